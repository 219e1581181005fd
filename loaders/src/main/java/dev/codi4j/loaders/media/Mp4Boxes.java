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

    private static final Set<String> CONTAINERS = Set.of("moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex", "moof", "traf", "tref");
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

    /**
     * Checks {@code f} and returns the bytes to hand to the demuxer: a copy in which metadata boxes
     * we never use ('udta', 'meta') are renamed 'free', because jcodec's parsers for them can loop
     * forever on malformed items.
     */
    static byte[] check(byte[] f, String source) {
        byte[] copy = f.clone();
        boolean moov = walk(copy, 0, copy.length, 0, source);
        if (!moov) throw new MediaException(source, "no 'moov' box (the index of the video)", "the file is truncated or still being written; re-download or re-encode it (ffmpeg -i in -movflags +faststart out.mp4)");
        return copy;
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
                if (depth == 0) size = to - p;     // a top-level box may extend to the end of the file
                else if (allZero(f, p, to)) return moov;   // QuickTime's zero terminator inside udta and friends
                else throw bad(source, type, p, "has size 0 inside another box");
            }
            if (size < header || size > to - p || (depth > 0 && size < 8)) throw bad(source, type, p, "claims " + size + " bytes but " + (to - p) + " remain in its parent");
            int body = p + header, end = (int) (p + size);
            if (type.equals("moov")) moov = true;
            if (depth > 0 && (type.equals("udta") || type.equals("meta"))) {
                f[p + header - 4] = 'f'; f[p + header - 3] = 'r'; f[p + header - 2] = 'e'; f[p + header - 1] = 'e';
            } else if (CONTAINERS.contains(type)) walk(f, body, end, depth + 1, source);
            else if (type.equals("stsd")) {
                // jcodec parses sample entries, and the boxes inside a video entry, as box lists: a
                // malformed size there makes it loop without advancing, so check them too
                if (end - body < 8) throw bad(source, type, p, "is too short");
                walkSampleEntries(f, body + 8, end, depth + 1, source);
            }
            else if (type.equals("stsz")) {
                if (end - body < 12) throw bad(source, type, p, "is too short");
                long fixed = Exif.u32be(f, body + 4), count = Exif.u32be(f, body + 8);
                if (fixed == 0 && count * 4 > end - body - 12) throw bad(source, type, p, "lists " + count + " sample sizes in " + (end - body - 12) + " bytes");
                if (count > 50_000_000L) throw bad(source, type, p, "lists " + count + " samples");
                // the demuxer allocates a buffer of each sample's size: none can exceed the file
                if (fixed > f.length) throw bad(source, type, p, "declares samples of " + fixed + " bytes in a " + f.length + "-byte file");
                if (fixed == 0)
                    for (long k = 0; k < count; k++) {
                        long sz = Exif.u32be(f, (int) (body + 12 + 4 * k));
                        if (sz > f.length) throw bad(source, type, p, "declares sample " + k + " of " + sz + " bytes in a " + f.length + "-byte file");
                    }
            } else {
                int eb = entryBytes(type);
                if (eb > 0) {
                    if (end - body < 8) throw bad(source, type, p, "is too short");
                    if (type.equals("elst") && f[body] == 1) eb = 20;
                    long count = Exif.u32be(f, body + 4);
                    if (count * eb > end - body - 8) throw bad(source, type, p, "lists " + count + " entries of " + eb + " bytes in " + (end - body - 8) + " bytes");
                    if (type.equals("stsc")) {
                        // jcodec walks chunks by these runs; a zero-sample run or a non-increasing first chunk never ends
                        long prev = 0;
                        for (long k = 0; k < count; k++) {
                            int e = (int) (body + 8 + 12 * k);
                            long first = Exif.u32be(f, e), perChunk = Exif.u32be(f, e + 4);
                            if (first <= prev || perChunk == 0 || perChunk > 50_000_000L)
                                throw bad(source, type, p, "entry " + k + " (first chunk " + first + ", " + perChunk + " samples per chunk) is invalid");
                            prev = first;
                        }
                    }
                }
            }
            p = end;
        }
        return moov;
    }

    private static final Set<String> VISUAL = Set.of("avc1", "avc2", "avc3", "avc4", "hvc1", "hev1", "mp4v", "encv", "s263", "jpeg", "mjpa", "mjpb", "apcn", "apch", "apcs", "apco", "ap4h");

    private static void walkSampleEntries(byte[] f, int from, int to, int depth, String source) {
        int p = from;
        while (p + 8 <= to) {
            long size = Exif.u32be(f, p);
            String type = new String(f, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (size < 8 || size > to - p) throw bad(source, type, p, "sample entry claims " + size + " bytes but " + (to - p) + " remain");
            int end = (int) (p + size);
            // a visual sample entry has 78 bytes of fixed fields before its child boxes (avcC, pasp, ...)
            if (VISUAL.contains(type) && size > 8 + 78) walk(f, p + 8 + 78, end, depth + 1, source);
            p = end;
        }
    }

    private static boolean allZero(byte[] f, int from, int to) {
        for (int i = from; i < to; i++) if (f[i] != 0) return false;
        return true;
    }

    private static MediaException bad(String source, String type, int at, String what) {
        return new MediaException(source, "MP4 box '" + type.replaceAll("[^\\x20-\\x7e]", "?") + "' at byte " + at + " " + what, "the file is corrupt or truncated; re-encode it");
    }
}
