package dev.codi4j.loaders.media;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Walks a PNG's chunk list with bounds checks: structure and size are validated before an
 * ImageIO reader sees the bytes (so a lying length or a 100k x 100k IHDR is refused up front),
 * and text chunks (tEXt, zTXt, iTXt) can be read back the way PIL's {@code .text} does.
 */
public final class PngChunks {
    private PngChunks() {}

    /** Largest text we inflate from one zTXt/iTXt chunk; more is a decompression bomb, not a prompt. */
    static final int MAX_TEXT_BYTES = 1 << 20;

    static void check(byte[] f, String source, MediaLimits limits) {
        int p = 8;
        boolean first = true;
        while (p < f.length) {
            if (p + 8 > f.length) throw truncated(source, p);
            long len = Exif.u32be(f, p);
            String type = new String(f, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (len > 0x7FFFFFFFL || len > (long) f.length - p - 12)
                throw new MediaException(source, "PNG chunk '" + printable(type) + "' at byte " + p + " claims " + len + " bytes but only " + Math.max(0, f.length - p - 12) + " remain",
                        "the file is truncated or corrupt; re-export it");
            if (first) {
                if (!type.equals("IHDR") || len != 13) throw new MediaException(source, "PNG does not start with a 13-byte IHDR chunk (found '" + printable(type) + "', " + len + " bytes)", "the file is corrupt; re-export it");
                limits.checkPixels(source, Exif.u32be(f, p + 8), Exif.u32be(f, p + 12));
                first = false;
            }
            p += 12 + (int) len;
            if (type.equals("IEND")) return;
        }
        throw truncated(source, p);
    }

    private static MediaException truncated(String source, int at) {
        return new MediaException(source, "PNG ends at byte " + at + " before its IEND chunk", "the file is truncated; download or export it again");
    }

    private static String printable(String s) { return s.replaceAll("[^\\x20-\\x7e]", "?"); }

    /**
     * The text chunks of a PNG as PIL's {@code Image.open(p).text} returns them (later chunks with
     * the same key win). Compressed text is inflated up to 1 MiB per chunk.
     */
    public static Map<String, String> readText(byte[] f, String source) {
        if (ImageFormat.sniff(f) != ImageFormat.PNG) throw new MediaException(source, "not a PNG file (starts with " + Images.hexPrefix(f) + ")", "pass a PNG");
        Map<String, String> out = new LinkedHashMap<>();
        int p = 8;
        while (p + 12 <= f.length) {
            long len = Exif.u32be(f, p);
            if (len > (long) f.length - p - 12) throw new MediaException(source, "PNG chunk at byte " + p + " runs past the end of the file", "the file is truncated");
            String type = new String(f, p + 4, 4, StandardCharsets.ISO_8859_1);
            int d = p + 8, n = (int) len;
            int nul = indexOf(f, d, d + n, (byte) 0);
            if (nul > d) {
                String key = new String(f, d, nul - d, StandardCharsets.ISO_8859_1);
                switch (type) {
                    case "tEXt" -> out.put(key, new String(f, nul + 1, d + n - nul - 1, StandardCharsets.ISO_8859_1));
                    case "zTXt" -> { if (nul + 2 <= d + n) out.put(key, new String(inflate(f, nul + 2, d + n, source), StandardCharsets.ISO_8859_1)); }
                    case "iTXt" -> {
                        // key\0 flag method lang\0 translated-key\0 text
                        if (nul + 3 <= d + n) {
                            boolean compressed = f[nul + 1] != 0;
                            int lang = indexOf(f, nul + 3, d + n, (byte) 0);
                            int tkey = lang < 0 ? -1 : indexOf(f, lang + 1, d + n, (byte) 0);
                            if (tkey >= 0) {
                                byte[] v = compressed ? inflate(f, tkey + 1, d + n, source) : java.util.Arrays.copyOfRange(f, tkey + 1, d + n);
                                out.put(key, new String(v, StandardCharsets.UTF_8));
                            }
                        }
                    }
                    default -> { }
                }
            }
            if (type.equals("IEND")) break;
            p += 12 + n;
        }
        return out;
    }

    private static int indexOf(byte[] f, int from, int to, byte b) {
        for (int i = from; i < to; i++) if (f[i] == b) return i;
        return -1;
    }

    private static byte[] inflate(byte[] f, int from, int to, String source) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(f, from, to - from);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int k = inf.inflate(buf);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                out.write(buf, 0, k);
                if (out.size() > MAX_TEXT_BYTES) throw new MediaException(source, "a compressed PNG text chunk inflates to over " + MAX_TEXT_BYTES + " bytes", "this looks like a decompression bomb; do not trust the file");
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new MediaException(source, "corrupt compressed text chunk (" + e.getMessage() + ")", "re-export the image", e);
        } finally {
            inf.end();
        }
    }
}
