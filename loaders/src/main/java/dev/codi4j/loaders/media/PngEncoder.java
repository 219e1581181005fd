package dev.codi4j.loaders.media;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * An 8-bit PNG encoder (colour types 0, 4, 2, 6 for L, LA, RGB, RGBA) with text chunks. Written
 * here rather than through ImageIO's metadata tree so that what lands in the file is exactly the
 * chunks we intend: IHDR, text, one IDAT stream (adaptive filters, zlib level 6), IEND.
 */
final class PngEncoder {
    private PngEncoder() {}

    static byte[] encode(Image img, Map<String, String> text, String target) {
        for (var e : text.entrySet()) checkKey(e.getKey(), target);
        Image b = img.toBytes();
        int w = b.width(), h = b.height(), c = b.channels(), plane = w * h;
        int colourType = switch (c) { case 1 -> 0; case 2 -> 4; case 3 -> 2; default -> 6; };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        byte[] ihdr = new byte[13];
        be32(ihdr, 0, w);
        be32(ihdr, 4, h);
        ihdr[8] = 8;
        ihdr[9] = (byte) colourType;
        chunk(out, "IHDR", ihdr);
        for (var e : text.entrySet()) {
            String v = e.getValue() == null ? "" : e.getValue();
            byte[] key = e.getKey().getBytes(StandardCharsets.ISO_8859_1);
            if (StandardCharsets.ISO_8859_1.newEncoder().canEncode(v)) {
                byte[] val = v.getBytes(StandardCharsets.ISO_8859_1);
                byte[] d = new byte[key.length + 1 + val.length];
                System.arraycopy(key, 0, d, 0, key.length);
                System.arraycopy(val, 0, d, key.length + 1, val.length);
                chunk(out, "tEXt", d);
            } else {
                byte[] val = v.getBytes(StandardCharsets.UTF_8);
                // key \0 compression-flag(0) method(0) language "" \0 translated-key "" \0 text
                byte[] d = new byte[key.length + 5 + val.length];
                System.arraycopy(key, 0, d, 0, key.length);
                System.arraycopy(val, 0, d, key.length + 5, val.length);
                chunk(out, "iTXt", d);
            }
        }
        byte[] u = b.u8();
        int stride = w * c;
        byte[] prev = new byte[stride], cur = new byte[stride], best = new byte[stride + 1], trial = new byte[stride + 1];
        Deflater def = new Deflater(6);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        try {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) for (int k = 0; k < c; k++) cur[x * c + k] = u[k * plane + y * w + x];
                long bestScore = Long.MAX_VALUE;
                for (int f = 0; f < 5; f++) {
                    long score = filter(f, cur, prev, c, trial);
                    if (score < bestScore) { bestScore = score; byte[] t = best; best = trial; trial = t; }
                }
                def.setInput(best, 0, stride + 1);
                while (!def.needsInput()) { int n = def.deflate(buf); idat.write(buf, 0, n); }
                byte[] t = prev; prev = cur; cur = t;
            }
            def.finish();
            while (!def.finished()) { int n = def.deflate(buf); idat.write(buf, 0, n); }
        } finally {
            def.end();
        }
        chunk(out, "IDAT", idat.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void checkKey(String key, String target) {
        if (key == null || key.isEmpty() || key.length() > 79 || key.indexOf('\0') >= 0 || !StandardCharsets.ISO_8859_1.newEncoder().canEncode(key))
            throw new MediaException(target, "PNG text key '" + key + "' is not 1..79 Latin-1 characters without NUL", "rename the key (values may be any Unicode)");
    }

    /** Filters one row with PNG filter {@code f} into {@code out} (type byte first); returns the sum-of-abs heuristic. */
    private static long filter(int f, byte[] cur, byte[] prev, int bpp, byte[] out) {
        out[0] = (byte) f;
        long s = 0;
        for (int i = 0; i < cur.length; i++) {
            int x = cur[i] & 0xFF, a = i >= bpp ? cur[i - bpp] & 0xFF : 0, b = prev[i] & 0xFF, cc = i >= bpp ? prev[i - bpp] & 0xFF : 0;
            int v = switch (f) {
                case 0 -> x;
                case 1 -> x - a;
                case 2 -> x - b;
                case 3 -> x - ((a + b) >> 1);
                default -> x - paeth(a, b, cc);
            };
            out[i + 1] = (byte) v;
            s += Math.abs((byte) v);
        }
        return s;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        be32(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        be32(len, 0, (int) crc.getValue());
        out.writeBytes(len);
    }

    private static void be32(byte[] b, int p, int v) { b[p] = (byte) (v >>> 24); b[p + 1] = (byte) (v >>> 16); b[p + 2] = (byte) (v >>> 8); b[p + 3] = (byte) v; }
}
