package dev.codi4j.loaders.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/** Structure-blind mutations of a valid seed: bit flips, lying integers, truncation, splices. */
final class Mutator {
    private Mutator() {}

    static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 31, 32, 63, 64, 127, 128, 255, 256, 0x7FFF, 0xFFFF, 0x7FFFFFFFL, 0x80000000L,
            0xFFFFFFFFL, 0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE, 100_000_000L, 100_000_001L, 1L << 40};

    static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        int rounds = 1 + r.nextInt(r.nextInt(10) == 0 ? 8 : 2);
        for (int k = 0; k < rounds; k++) b = once(b, r);
        return b;
    }

    private static byte[] once(byte[] b, Random r) {
        if (b.length == 0) return new byte[] {(byte) r.nextInt(256)};
        int at = r.nextInt(b.length);
        switch (r.nextInt(9)) {
            case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[at] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, 1, '{', '"', '[', ']', '}', ',', ':'}[r.nextInt(12)];
            case 2 -> { // a lying little-endian integer (length, count, offset)
                int w = r.nextBoolean() ? 8 : 4;
                if (at + w <= b.length) {
                    long v = r.nextInt(4) == 0 ? b.length + r.nextInt(64) - 32 : INTERESTING[r.nextInt(INTERESTING.length)];
                    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    if (w == 8) bb.putLong(at, v); else bb.putInt(at, (int) v);
                }
            }
            case 3 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            case 4 -> { // insert random bytes
                int n = 1 + r.nextInt(16);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, at);
                for (int i = 0; i < n; i++) c[at + i] = (byte) r.nextInt(256);
                System.arraycopy(b, at, c, at + n, b.length - at);
                b = c;
            }
            case 5 -> { // delete a chunk
                int n = Math.min(b.length - at, 1 + r.nextInt(32));
                byte[] c = new byte[b.length - n];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + n, c, at, b.length - at - n);
                b = c;
            }
            case 6 -> { // duplicate a chunk elsewhere
                int n = Math.min(b.length - at, 1 + r.nextInt(64));
                int to = r.nextInt(b.length);
                byte[] c = new byte[b.length + n];
                System.arraycopy(b, 0, c, 0, to);
                System.arraycopy(b, at, c, to, n);
                System.arraycopy(b, to, c, to + n, b.length - to);
                b = c;
            }
            case 7 -> { // a textual number replaced by an extreme one (JSON headers)
                int i = at;
                while (i < b.length && (b[i] < '0' || b[i] > '9')) i++;
                if (i < b.length) {
                    int j = i;
                    while (j < b.length && b[j] >= '0' && b[j] <= '9') j++;
                    String[] reps = {"0", "1", "-1", "4294967296", "18446744073709551615", "9223372036854775807", "99999999999999999999", "1e9", "2.5", "null", "\"x\""};
                    byte[] rep = reps[r.nextInt(reps.length)].getBytes();
                    byte[] c = new byte[b.length - (j - i) + rep.length];
                    System.arraycopy(b, 0, c, 0, i);
                    System.arraycopy(rep, 0, c, i, rep.length);
                    System.arraycopy(b, j, c, i + rep.length, b.length - j);
                    b = c;
                }
            }
            default -> { for (int i = 0; i < 1 + r.nextInt(8) && at + i < b.length; i++) b[at + i] = (byte) r.nextInt(256); }
        }
        return b;
    }
}
