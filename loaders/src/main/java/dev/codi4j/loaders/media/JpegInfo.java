package dev.codi4j.loaders.media;

/** Reads the component count of a JPEG from its frame header, without decoding anything. */
final class JpegInfo {
    private JpegInfo() {}

    /** Number of colour components in the first SOFn segment, or -1 when none is found intact. */
    static int components(byte[] f) {
        int sof = sof(f);
        return sof < 0 ? -1 : f[sof + 9] & 0xFF;
    }

    /** {width, height} from the first SOFn segment, or null. */
    static long[] dimensions(byte[] f) {
        int sof = sof(f);
        if (sof < 0) return null;
        return new long[] {((f[sof + 7] & 0xFF) << 8) | (f[sof + 8] & 0xFF), ((f[sof + 5] & 0xFF) << 8) | (f[sof + 6] & 0xFF)};
    }

    /** Offset of the first intact SOFn marker (its 0xFF byte), or -1. */
    private static int sof(byte[] f) {
        int p = 2;
        while (p + 4 <= f.length) {
            if ((f[p] & 0xFF) != 0xFF) return -1;
            int m = f[p + 1] & 0xFF;
            if (m == 0xFF) { p++; continue; }
            if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { p += 2; continue; }
            if (m == 0xD9 || m == 0xDA) return -1;
            int len = ((f[p + 2] & 0xFF) << 8) | (f[p + 3] & 0xFF);
            if (len < 2 || p + 2 + len > f.length) return -1;
            boolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
            if (sof) return len >= 8 ? p : -1;
            p += 2 + len;
        }
        return -1;
    }
}
