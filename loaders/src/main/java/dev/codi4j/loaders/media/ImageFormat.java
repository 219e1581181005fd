package dev.codi4j.loaders.media;

/** Still-image container formats this package recognises, by their leading bytes. */
public enum ImageFormat {
    PNG, JPEG, BMP, GIF, WEBP;

    /** The format whose signature {@code data} starts with, or null. */
    public static ImageFormat sniff(byte[] d) {
        if (d.length >= 8 && (d[0] & 0xFF) == 0x89 && d[1] == 'P' && d[2] == 'N' && d[3] == 'G' && d[4] == 0x0D && d[5] == 0x0A && d[6] == 0x1A && d[7] == 0x0A) return PNG;
        if (d.length >= 3 && (d[0] & 0xFF) == 0xFF && (d[1] & 0xFF) == 0xD8 && (d[2] & 0xFF) == 0xFF) return JPEG;
        if (d.length >= 2 && d[0] == 'B' && d[1] == 'M') return BMP;
        if (d.length >= 6 && d[0] == 'G' && d[1] == 'I' && d[2] == 'F' && d[3] == '8' && (d[4] == '7' || d[4] == '9') && d[5] == 'a') return GIF;
        if (d.length >= 12 && d[0] == 'R' && d[1] == 'I' && d[2] == 'F' && d[3] == 'F' && d[8] == 'W' && d[9] == 'E' && d[10] == 'B' && d[11] == 'P') return WEBP;
        return null;
    }
}
