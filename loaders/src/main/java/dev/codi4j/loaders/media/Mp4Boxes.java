package dev.codi4j.loaders.media;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A structural check of an MP4/MOV file before a demuxer sees it: every box lies inside its parent
 * and the file, and every sample table's entry count fits its box. jcodec trusts these numbers
 * when it allocates (a 4-byte count of 2^31 would be an {@link OutOfMemoryError}); we refuse them.
 */
final class Mp4Boxes {
    private Mp4Boxes() {}

    private static final Set<String> CONTAINERS = Set.of("moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex", "moof", "traf", "udta", "tref");
    /** Full boxes with a 32-bit entry count after version/flags, and the bytes per entry. */
    private static int entryBytes(String type) {
        return switch (type) {
            case "stts", "ctts" -> 8;
            case "stsc" -> 12;
            case "stco", "stss" -> 4;
            case "co64" -> 8;
            case "elst" -> 12;   // version 0; version 1 is 20, checked below
            default -> -1;
        };
    }

    static boolean looksLikeMp4(byte[] f) {
        if (f.length < 12) return false;
        String t = new String(f, 4, 4, StandardCharsets.ISO_8859_1);
        return t.equals("ftyp") || t.equals("moov") || t.equals("mdat") || t.equals("free") || t.equals("wide") || t.equals("skip");
    }

    static void check(byte[] f, String source) {
        boolean moov = walk(f, 0, f.length, 0, source);
        if (!moov) throw new MediaException(source, "no 'moov' box (the index of the video)", "the file is truncated or still being written; re-download or re-encode it (ffmpeg -i in -movflags +faststart out.mp4)");
    }

    private static boolean walk(byte[] f, int from, int to, int depth, String source) {
        if (depth > 16) throw new MediaException(source, "MP4 boxes nested more than 16 deep", "the file is corrupt");
        boolean moov = false;
        int p = from;
        while (p + 8 <= to) {
            long size = Exif.u32be(f, p);
            int header = 8;
            String type = new String(f, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (size == 1) {
                if (p + 16 > to) throw bad(source, type, p, "64-bit size field is cut off");
                long hi = Exif.u32be(f, p + 8), lo = Exif.u32be(f, p + 12);
                if (hi != 0) throw bad(source, type, p, "claims more than 4 GiB");
                size = lo;
                header = 16;
            } else if (size == 0) {
                size = to - p;     // box extends to the end of its parent
            }
            if (size < header || size > to - p) throw bad(source, type, p, "claims " + size + " bytes but " + (to - p) + " remain in its parent");
            int body = p + header, end = (int) (p + size);
            if (type.equals("moov")) moov = true;
            if (CONTAINERS.contains(type)) walk(f, body, end, depth + 1, source);
            else if (type.equals("stsd")) { if (end - body < 8) throw bad(source, type, p, "is too short"); }
            else if (type.equals("stsz")) {
                if (end - body < 12) throw bad(source, type, p, "is too short");
                long fixed = Exif.u32be(f, body + 4), count = Exif.u32be(f, body + 8);
                if (fixed == 0 && count * 4 > end - body - 12) throw bad(source, type, p, "lists " + count + " sample sizes in " + (end - body - 12) + " bytes");
                if (count > 50_000_000L) throw bad(source, type, p, "lists " + count + " samples");
            } else {
                int eb = entryBytes(type);
                if (eb > 0) {
                    if (end - body < 8) throw bad(source, type, p, "is too short");
                    if (type.equals("elst") && f[body] == 1) eb = 20;
                    long count = Exif.u32be(f, body + 4);
                    if (count * eb > end - body - 8) throw bad(source, type, p, "lists " + count + " entries of " + eb + " bytes in " + (end - body - 8) + " bytes");
                }
            }
            p = end;
        }
        return moov;
    }

    private static MediaException bad(String source, String type, int at, String what) {
        return new MediaException(source, "MP4 box '" + type.replaceAll("[^\\x20-\\x7e]", "?") + "' at byte " + at + " " + what, "the file is corrupt or truncated; re-encode it");
    }
}
