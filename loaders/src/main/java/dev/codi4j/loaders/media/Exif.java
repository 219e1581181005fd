package dev.codi4j.loaders.media;

/**
 * Reads the EXIF orientation tag (0x0112) out of an encoded JPEG (APP1), PNG (eXIf) or WebP (EXIF
 * chunk) and applies it as PIL's {@code ImageOps.exif_transpose} does. Parsing is bounds-checked
 * at every step; anything malformed means "no orientation" (1), as in PIL, which ignores bad EXIF.
 */
public final class Exif {
    private Exif() {}

    /** The orientation 1..8 stored in {@code file}, or 1 when there is none or it is malformed. */
    public static int orientation(byte[] file) {
        byte[] tiff = tiffBlock(file);
        return tiff == null ? 1 : orientationFromTiff(tiff, 0, tiff.length);
    }

    private static byte[] tiffBlock(byte[] f) {
        if (f.length > 3 && (f[0] & 0xFF) == 0xFF && (f[1] & 0xFF) == 0xD8) return jpegExif(f);
        if (f.length > 8 && (f[0] & 0xFF) == 0x89 && f[1] == 'P' && f[2] == 'N' && f[3] == 'G') return pngExif(f);
        if (f.length > 12 && f[0] == 'R' && f[1] == 'I' && f[2] == 'F' && f[3] == 'F' && f[8] == 'W' && f[9] == 'E' && f[10] == 'B' && f[11] == 'P') return webpExif(f);
        return null;
    }

    private static byte[] jpegExif(byte[] f) {
        int p = 2;
        while (p + 4 <= f.length) {
            if ((f[p] & 0xFF) != 0xFF) return null;
            int marker = f[p + 1] & 0xFF;
            if (marker == 0xFF) { p++; continue; }                 // fill bytes
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { p += 2; continue; }
            if (marker == 0xDA || marker == 0xD9) return null;      // image data starts: no EXIF before it
            int len = ((f[p + 2] & 0xFF) << 8) | (f[p + 3] & 0xFF);
            if (len < 2 || p + 2 + len > f.length) return null;
            // PIL takes the first APP1 that starts with "Exif\0\0"
            if (marker == 0xE1 && len >= 8 && f[p + 4] == 'E' && f[p + 5] == 'x' && f[p + 6] == 'i' && f[p + 7] == 'f' && f[p + 8] == 0 && f[p + 9] == 0)
                return java.util.Arrays.copyOfRange(f, p + 10, p + 2 + len);
            p += 2 + len;
        }
        return null;
    }

    private static byte[] pngExif(byte[] f) {
        int p = 8;
        while (p + 12 <= f.length) {
            long len = u32be(f, p);
            if (len > f.length - p - 12) return null;
            if (f[p + 4] == 'e' && f[p + 5] == 'X' && f[p + 6] == 'I' && f[p + 7] == 'f') {
                int start = p + 8, n = (int) len;
                // some writers keep the JPEG "Exif\0\0" prefix in eXIf; PIL skips it too
                if (n >= 6 && f[start] == 'E' && f[start + 1] == 'x' && f[start + 2] == 'i' && f[start + 3] == 'f') { start += 6; n -= 6; }
                return java.util.Arrays.copyOfRange(f, start, start + n);
            }
            if (f[p + 4] == 'I' && f[p + 5] == 'E' && f[p + 6] == 'N' && f[p + 7] == 'D') return null;
            p += 12 + (int) len;
        }
        return null;
    }

    private static byte[] webpExif(byte[] f) {
        int p = 12;
        while (p + 8 <= f.length) {
            long len = u32le(f, p + 4);
            if (len > f.length - p - 8) return null;
            if (f[p] == 'E' && f[p + 1] == 'X' && f[p + 2] == 'I' && f[p + 3] == 'F') {
                int start = p + 8, n = (int) len;
                if (n >= 6 && f[start] == 'E' && f[start + 1] == 'x' && f[start + 2] == 'i' && f[start + 3] == 'f') { start += 6; n -= 6; }
                return java.util.Arrays.copyOfRange(f, start, start + n);
            }
            p += 8 + (int) ((len + 1) & ~1L);
        }
        return null;
    }

    /** Orientation from a TIFF-structured EXIF block (byte order mark, 42, IFD0 offset). */
    static int orientationFromTiff(byte[] t, int off, int len) {
        if (len < 8) return 1;
        boolean le;
        if (t[off] == 'I' && t[off + 1] == 'I') le = true;
        else if (t[off] == 'M' && t[off + 1] == 'M') le = false;
        else return 1;
        if (u16(t, off + 2, le) != 42) return 1;
        long ifd = u32(t, off + 4, le);
        if (ifd < 8 || ifd + 2 > len) return 1;
        int n = u16(t, off + (int) ifd, le);
        for (int i = 0; i < n; i++) {
            long e = ifd + 2 + 12L * i;
            if (e + 12 > len) return 1;
            int tag = u16(t, off + (int) e, le);
            if (tag == 0x0112) {
                int type = u16(t, off + (int) e + 2, le);
                int v = type == 3 ? u16(t, off + (int) e + 8, le) : type == 4 ? (int) Math.min(u32(t, off + (int) e + 8, le), 9) : 0;
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    /**
     * {@code img} turned upright for EXIF orientation {@code o}, with PIL's mapping: 2 mirror, 3
     * rotate 180, 4 flip, 5 transpose, 6 rotate 270 (counter-clockwise, i.e. 90 clockwise),
     * 7 transverse, 8 rotate 90 (counter-clockwise).
     */
    public static Image apply(Image img, int o) {
        if (o <= 1 || o > 8) return img;
        int w = img.width(), h = img.height(), c = img.channels();
        boolean swap = o >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        int plane = w * h;
        int[] map = new int[plane];                    // output index -> input index
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx, sy;
                switch (o) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }                          // transpose
                    case 6 -> { sx = y; sy = h - 1 - x; }                  // rotate 90 clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }          // transverse
                    default -> { sx = w - 1 - y; sy = x; }                 // 8: rotate 90 counter-clockwise
                }
                map[y * ow + x] = sy * w + sx;
            }
        }
        if (img.isFloat()) {
            float[] in = img.f32(), out = new float[in.length];
            for (int ch = 0; ch < c; ch++) for (int i = 0; i < plane; i++) out[ch * plane + i] = in[ch * plane + map[i]];
            return Image.wrapFloats(ow, oh, c, out);
        }
        byte[] in = img.u8(), out = new byte[in.length];
        for (int ch = 0; ch < c; ch++) for (int i = 0; i < plane; i++) out[ch * plane + i] = in[ch * plane + map[i]];
        return Image.wrapBytes(ow, oh, c, out);
    }

    static long u32be(byte[] b, int p) { return ((long) (b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF); }
    static long u32le(byte[] b, int p) { return ((long) (b[p + 3] & 0xFF) << 24) | ((b[p + 2] & 0xFF) << 16) | ((b[p + 1] & 0xFF) << 8) | (b[p] & 0xFF); }
    private static int u16(byte[] b, int p, boolean le) { return le ? (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8) : ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF); }
    private static long u32(byte[] b, int p, boolean le) { return le ? u32le(b, p) : u32be(b, p); }
}
