package dev.codi4j.loaders.tokenizer;

/**
 * Open-addressing hash set of vocabulary pieces that answers "which id has the text {@code buf[from, to)}?"
 * without building a String, which is the inner loop of SentencePiece BPE.
 */
final class PieceTable {
    private final int[] slots; // id + 1; 0 = empty
    private final String[] pieces;
    private final int mask;

    /** Indexes {@code pieces[i]} for every i where {@code include[i]}; the first of duplicates wins. */
    PieceTable(String[] pieces, boolean[] include) {
        this.pieces = pieces;
        int n = 0;
        for (boolean b : include) {
            n += b ? 1 : 0;
        }
        int cap = Integer.highestOneBit(Math.max(4, n * 2 - 1)) << 1;
        slots = new int[cap];
        mask = cap - 1;
        for (int id = 0; id < pieces.length; id++) {
            if (include[id] && pieces[id] != null && find(pieces[id]) < 0) {
                String p = pieces[id];
                int h = hash(p);
                int i = h & mask;
                while (slots[i] != 0) {
                    i = (i + 1) & mask;
                }
                slots[i] = id + 1;
            }
        }
    }

    private static int mix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        return h;
    }

    private static int hash(String s) {
        int h = 0;
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + s.charAt(i);
        }
        return mix(h);
    }

    int find(String s) {
        int h = hash(s);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int v = slots[i];
            if (v == 0) {
                return -1;
            }
            if (pieces[v - 1].equals(s)) {
                return v - 1;
            }
        }
    }

    int find(char[] buf, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + buf[i];
        }
        h = mix(h);
        int len = to - from;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int v = slots[i];
            if (v == 0) {
                return -1;
            }
            String p = pieces[v - 1];
            if (p.length() == len && regionEquals(p, buf, from)) {
                return v - 1;
            }
        }
    }

    private static boolean regionEquals(String p, char[] buf, int from) {
        for (int k = 0; k < p.length(); k++) {
            if (p.charAt(k) != buf[from + k]) {
                return false;
            }
        }
        return true;
    }
}
