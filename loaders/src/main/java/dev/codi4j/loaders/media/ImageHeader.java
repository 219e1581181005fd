package dev.codi4j.loaders.media;

/**
 * Reads an image's declared width and height from its header bytes, with bounds checks and no
 * decoding, so that the pixel limit is enforced before any third-party reader allocates.
 */
final class ImageHeader {
    private ImageHeader() {}

    /** {width, height} as declared, or null when the header is too damaged to say. */
    static long[] dimensions(ImageFormat fmt, byte[] f) {
        return switch (fmt) {
            case PNG -> f.length >= 24 ? new long[] {Exif.u32be(f, 16), Exif.u32be(f, 20)} : null;
            case JPEG -> JpegInfo.dimensions(f);
            case BMP -> bmp(f);
            case GIF -> f.length >= 10 ? new long[] {u16le(f, 6), u16le(f, 8)} : null;
            case WEBP -> webp(f);
        };
    }

    private static long[] bmp(byte[] f) {
        if (f.length < 26) return null;
        long hdr = Exif.u32le(f, 14);
        if (hdr == 12) return new long[] {u16le(f, 18), u16le(f, 20)};
        if (hdr < 40 || f.length < 26) return null;
        int w = (int) Exif.u32le(f, 18), h = (int) Exif.u32le(f, 22);   // height < 0 means top-down rows
        return new long[] {Math.abs((long) w), Math.abs((long) h)};
    }

    private static long[] webp(byte[] f) {
        int p = 12;
        if (p + 8 > f.length) return null;
        String id = new String(f, p, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
        int d = p + 8;
        switch (id) {
            case "VP8X" -> { if (d + 10 <= f.length) return new long[] {1 + u24le(f, d + 4), 1 + u24le(f, d + 7)}; }
            case "VP8L" -> {
                if (d + 5 <= f.length) {
                    long bits = Exif.u32le(f, d + 1);
                    return new long[] {1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)};
                }
            }
            case "VP8 " -> { if (d + 10 <= f.length) return new long[] {u16le(f, d + 6) & 0x3FFF, u16le(f, d + 8) & 0x3FFF}; }
            default -> { }
        }
        return null;
    }

    private static int u16le(byte[] f, int p) { return (f[p] & 0xFF) | ((f[p + 1] & 0xFF) << 8); }
    private static long u24le(byte[] f, int p) { return (f[p] & 0xFF) | ((f[p + 1] & 0xFF) << 8) | ((long) (f[p + 2] & 0xFF) << 16); }
}
