package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The merge loop does O(n) candidate look-ups (so O(n log n) heap work), counted, not timed. */
class BpeMergerTest {

    /** Merges two equal adjacent symbols k,k into k+1 (priority k): a binary tree over a run of 1s. */
    private static final class Doubling extends BpeMerger {
        long calls;

        @Override
        boolean candidate(int l, int r) {
            calls++;
            if (ids[l] != ids[r]) {
                return false;
            }
            candKey = ids[l];
            candMerged = ids[l] + 1;
            return true;
        }
    }

    private static int[] run(Doubling m, int n, boolean passMode) {
        m.reset(n);
        for (int i = 0; i < n; i++) {
            m.add(1, i, i + 1);
        }
        m.run(passMode);
        SentencePieceTokenizer.IntList out = new SentencePieceTokenizer.IntList(4);
        for (int s = 0; s >= 0 && s < m.n; s = m.next[s]) {
            out.add(m.ids[s]);
        }
        return out.toArray();
    }

    @Test
    void linearNumberOfCandidates() {
        for (boolean pass : new boolean[] {false, true}) {
            Doubling m = new Doubling();
            int n = 1 << 16;
            int[] out = run(m, n, pass);
            assertEquals(1, out.length);
            assertEquals(17, out[0], "2^16 ones merge into one symbol of level 17");
            assertTrue(m.calls <= 3L * n, "candidate look-ups " + m.calls + " for n=" + n);
            Doubling odd = new Doubling();
            int[] o = run(odd, 50_003, pass);
            int total = 0;
            for (int id : o) {
                total += 1 << (id - 1);
            }
            assertEquals(50_003, total, "every symbol is accounted for");
            assertTrue(odd.calls <= 3L * 50_003, "candidate look-ups " + odd.calls);
        }
    }

    @Test
    void passModeMergesAllOccurrencesBeforeNewPairs() {
        // symbols b c b c with merges (b,c)->X rank 5 and (X,b)->Y rank 3: GPT-2's bpe() merges both (b,c) first
        // giving X X; one-at-a-time merging takes (b,c), then the better (X,b), giving Y c.
        final int b = 1;
        final int c = 2;
        final int x = 3;
        final int y = 4;
        class Rules extends BpeMerger {
            @Override
            boolean candidate(int l, int r) {
                if (ids[l] == b && ids[r] == c) {
                    candKey = 5;
                    candMerged = x;
                    return true;
                }
                if (ids[l] == x && ids[r] == b) {
                    candKey = 3;
                    candMerged = y;
                    return true;
                }
                return false;
            }
        }
        for (boolean pass : new boolean[] {true, false}) {
            Rules m = new Rules();
            m.reset(4);
            int[] in = {b, c, b, c};
            for (int i = 0; i < 4; i++) {
                m.add(in[i], i, i + 1);
            }
            m.run(pass);
            SentencePieceTokenizer.IntList out = new SentencePieceTokenizer.IntList(4);
            for (int s = 0; s >= 0 && s < m.n; s = m.next[s]) {
                out.add(m.ids[s]);
            }
            assertEquals(pass ? "[3, 3]" : "[4, 2]", java.util.Arrays.toString(out.toArray()));
        }
    }
}
