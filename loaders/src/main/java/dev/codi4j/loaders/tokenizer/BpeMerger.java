package dev.codi4j.loaders.tokenizer;

import java.util.Arrays;

/**
 * The merge loop shared by every BPE here, O(n log n) in the number of symbols: a binary heap of candidate
 * pairs ordered by (priority, position of the left symbol), a doubly linked list of live symbols, and lazy
 * deletion (an entry whose two symbols changed since it was queued is skipped when popped).
 *
 * <p>Two orders of merging:
 * <ul>
 *   <li>one pair at a time (SentencePiece by score, Hugging Face {@code tokenizers} by merge rank): the best
 *       pair is merged, the pairs it forms are queued at once and may win next;</li>
 *   <li>{@code passMode} (OpenAI's GPT-2/CLIP {@code bpe()}): every occurrence of the best bigram is merged
 *       left to right in one pass before any pair that pass formed is considered.</li>
 * </ul>
 * Subclasses say which adjacent symbols may merge ({@link #candidate}) and how a merge changes a symbol.
 * A subclass instance is a per-call workspace, never shared between threads.
 */
abstract class BpeMerger {
    int n;
    int[] ids = new int[16];
    int[] prev = new int[16];
    int[] next = new int[16];
    int[] start = new int[16];
    int[] end = new int[16];
    boolean[] alive = new boolean[16];

    // candidate filled in by candidate(): smaller key merges first
    int candKey;
    int candMerged;

    private long[] eOrder = new long[16];
    private int[] eLeft = new int[16];
    private int[] eRight = new int[16];
    private int[] eLeftId = new int[16];
    private int[] eRightId = new int[16];
    private int[] eMerged = new int[16];
    private int entries;
    private int[] heap = new int[16];
    private int heapSize;

    /** Makes room for {@code count} symbols and resets the list. */
    void reset(int count) {
        if (ids.length < count) {
            int c = Math.max(count, ids.length * 2);
            ids = new int[c];
            prev = new int[c];
            next = new int[c];
            start = new int[c];
            end = new int[c];
            alive = new boolean[c];
        }
        n = 0;
        entries = 0;
        heapSize = 0;
    }

    /** Appends a symbol with vocabulary id {@code id} (or -1) covering {@code [s, e)} of the text. */
    void add(int id, int s, int e) {
        if (n == ids.length) {
            int c = n * 2;
            ids = Arrays.copyOf(ids, c);
            prev = Arrays.copyOf(prev, c);
            next = Arrays.copyOf(next, c);
            start = Arrays.copyOf(start, c);
            end = Arrays.copyOf(end, c);
            alive = Arrays.copyOf(alive, c);
        }
        ids[n] = id;
        start[n] = s;
        end[n] = e;
        prev[n] = n - 1;
        next[n] = -1;
        alive[n] = true;
        if (n > 0) {
            next[n - 1] = n;
        }
        n++;
    }

    /** Whether symbols l and r (adjacent) may merge; if so sets {@link #candKey} and {@link #candMerged}. */
    abstract boolean candidate(int l, int r);

    /** Runs the merges over the symbols added since {@link #reset}. */
    void run(boolean passMode) {
        for (int i = 0; i + 1 < n; i++) {
            push(i, i + 1);
        }
        if (!passMode) {
            while (heapSize > 0) {
                int e = pop();
                if (valid(e)) {
                    merge(e);
                    int l = eLeft[e];
                    if (prev[l] >= 0) {
                        push(prev[l], l);
                    }
                    if (next[l] >= 0) {
                        push(l, next[l]);
                    }
                }
            }
            return;
        }
        int[] batch = new int[16];
        int[] merged = new int[16];
        while (heapSize > 0) {
            int first = pop();
            if (!valid(first)) {
                continue;
            }
            int key = (int) (eOrder[first] >> 32);
            int count = 0;
            batch[count++] = first;
            while (heapSize > 0 && (int) (eOrder[heap[0]] >> 32) == key) {
                int e = pop();
                if (count == batch.length) {
                    batch = Arrays.copyOf(batch, count * 2);
                }
                batch[count++] = e;
            }
            int m = 0;
            for (int i = 0; i < count; i++) {
                int e = batch[i];
                if (valid(e)) {
                    merge(e);
                    if (m == merged.length) {
                        merged = Arrays.copyOf(merged, m * 2);
                    }
                    merged[m++] = eLeft[e];
                }
            }
            for (int i = 0; i < m; i++) {
                int l = merged[i];
                if (alive[l]) {
                    if (prev[l] >= 0) {
                        push(prev[l], l);
                    }
                    if (next[l] >= 0) {
                        push(l, next[l]);
                    }
                }
            }
        }
    }

    private boolean valid(int e) {
        int l = eLeft[e];
        int r = eRight[e];
        return alive[l] && alive[r] && next[l] == r && ids[l] == eLeftId[e] && ids[r] == eRightId[e];
    }

    private void merge(int e) {
        int l = eLeft[e];
        int r = eRight[e];
        ids[l] = eMerged[e];
        end[l] = end[r];
        alive[r] = false;
        next[l] = next[r];
        if (next[r] >= 0) {
            prev[next[r]] = l;
        }
        onMerge(l, eMerged[e], end[r] - start[r]);
    }

    /** Hook: symbol l just became {@code mergedId}; its right part was {@code rightLength} chars. */
    void onMerge(int l, int mergedId, int rightLength) {
    }

    private void push(int l, int r) {
        if (!candidate(l, r)) {
            return;
        }
        if (entries == eLeft.length) {
            int c = entries * 2;
            eOrder = Arrays.copyOf(eOrder, c);
            eLeft = Arrays.copyOf(eLeft, c);
            eRight = Arrays.copyOf(eRight, c);
            eLeftId = Arrays.copyOf(eLeftId, c);
            eRightId = Arrays.copyOf(eRightId, c);
            eMerged = Arrays.copyOf(eMerged, c);
        }
        int e = entries++;
        eOrder[e] = ((long) candKey << 32) | l;
        eLeft[e] = l;
        eRight[e] = r;
        eLeftId[e] = ids[l];
        eRightId[e] = ids[r];
        eMerged[e] = candMerged;
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heapSize * 2);
        }
        int i = heapSize++;
        long order = eOrder[e];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (eOrder[heap[parent]] <= order) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = e;
    }

    private int pop() {
        int top = heap[0];
        int last = heap[--heapSize];
        if (heapSize > 0) {
            long order = eOrder[last];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= heapSize) {
                    break;
                }
                if (c + 1 < heapSize && eOrder[heap[c + 1]] < eOrder[heap[c]]) {
                    c++;
                }
                if (eOrder[heap[c]] >= order) {
                    break;
                }
                heap[i] = heap[c];
                i = c;
            }
            heap[i] = last;
        }
        return top;
    }

    /** Maps a score (higher merges first) to a key (smaller merges first) with the same order. */
    static int scoreKey(float score) {
        int bits = Float.floatToIntBits(score == 0f ? 0f : score); // -0.0 and 0.0 tie, as in C++
        int sortable = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ~sortable;
    }
}
