package dev.codi4j.loaders.tokenizer;

import java.util.Arrays;

/** Open-addressing map from long to long (merge pair → rank and merged id); no boxing in the BPE loop. */
final class LongLongMap {
    private static final long EMPTY = Long.MIN_VALUE;
    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    /** Stores the value unless the key is present; returns false if it was. */
    boolean putIfAbsent(long k, long v) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int i = slot(k) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == k) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = v;
        size++;
        return true;
    }

    /** The value, or {@code missing} when absent. */
    long get(long k, long missing) {
        int i = slot(k) & mask;
        while (true) {
            long key = keys[i];
            if (key == k) {
                return values[i];
            }
            if (key == EMPTY) {
                return missing;
            }
            i = (i + 1) & mask;
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] ok = keys;
        long[] ov = values;
        keys = new long[ok.length * 2];
        values = new long[ok.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != EMPTY) {
                putIfAbsent(ok[i], ov[i]);
            }
        }
    }
}
