package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.Tensor;

/**
 * The iteration space of up to three same-shaped strided tensors, with dimensions merged wherever
 * every tensor allows it, so the innermost "row" is as long as possible. Element-wise kernels run
 * over rows: a fully contiguous tensor is one row, a broadcast bias add is rows of length D, a
 * transposed view is rows with a non-unit inner stride.
 *
 * <p>Offsets and strides are in elements of each tensor's own dtype.
 */
public final class Strided {
    /** A kernel over one row: element offsets of each tensor, {@code n} elements. */
    @FunctionalInterface
    public interface Row { void run(long o0, long o1, long o2, int n); }

    private final int[] shape;          // coalesced, innermost last; never empty
    private final long[][] strides;     // [tensor][dim]
    private final long[] base;          // [tensor]
    private final long numel;

    private Strided(int[] shape, long[][] strides, long[] base, long numel) {
        this.shape = shape;
        this.strides = strides;
        this.base = base;
        this.numel = numel;
    }

    /** Joint iteration over tensors that all have exactly {@code shape} (expand them first). */
    public static Strided of(Tensor... ts) {
        int[] sh = ts[0].shape();
        long[][] st = new long[3][];
        long[] base = new long[3];
        for (int t = 0; t < 3; t++) {
            Tensor x = ts[Math.min(t, ts.length - 1)];
            st[t] = x.strides();
            base[t] = x.offset();
        }
        return coalesce(sh, st, base);
    }

    static Strided coalesce(int[] sh, long[][] st, long[] base) {
        long n = Tensor.numel(sh);
        int nt = st.length;
        int[] cs = new int[sh.length];
        long[][] cst = new long[nt][sh.length];
        int r = 0;
        for (int d = 0; d < sh.length; d++) {
            if (sh[d] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int t = 0; t < nt; t++) if (cst[t][r - 1] != st[t][d] * sh[d]) { merge = false; break; }
                if (merge) {
                    cs[r - 1] *= sh[d];
                    for (int t = 0; t < nt; t++) cst[t][r - 1] = st[t][d];
                    continue;
                }
            }
            cs[r] = sh[d];
            for (int t = 0; t < nt; t++) cst[t][r] = st[t][d];
            r++;
        }
        if (r == 0) { // a single element (or a 0-d tensor)
            cs = new int[] {1};
            cst = new long[nt][1];
            r = 1;
        }
        int[] fs = java.util.Arrays.copyOf(cs, r);
        long[][] fst = new long[nt][];
        for (int t = 0; t < nt; t++) {
            fst[t] = java.util.Arrays.copyOf(cst[t], r);
            if (fs[r - 1] == 1) fst[t][r - 1] = 1;
        }
        return new Strided(fs, fst, base, n);
    }

    public long numel() { return numel; }

    /** Merged rank (at least 1). */
    int rank() { return shape.length; }

    int size(int d) { return shape[d]; }

    long stride(int t, int d) { return strides[t][d]; }

    long base(int t) { return base[t]; }

    /** Length of the innermost (merged) dimension. */
    public int rowLength() { return shape[shape.length - 1]; }

    /** Stride of tensor {@code t} along the innermost dimension. */
    public long innerStride(int t) { return strides[t][shape.length - 1]; }

    /** Runs {@code row} over the elements with flat (row-major) indices {@code [start, end)}. */
    public void forRange(long start, long end, Row row) {
        if (start >= end) return;
        int r = shape.length;
        long[] idx = new long[r];
        long rest = start;
        for (int d = r - 1; d >= 0; d--) { idx[d] = rest % shape[d]; rest /= shape[d]; }
        long o0 = base[0], o1 = base[1], o2 = base[2];
        for (int d = 0; d < r - 1; d++) { o0 += idx[d] * strides[0][d]; o1 += idx[d] * strides[1][d]; o2 += idx[d] * strides[2][d]; }
        int inner = shape[r - 1];
        long s0 = strides[0][r - 1], s1 = strides[1][r - 1], s2 = strides[2][r - 1];
        long at = start;
        int p = (int) idx[r - 1];
        while (at < end) {
            int n = (int) Math.min(inner - p, end - at);
            row.run(o0 + p * s0, o1 + p * s1, o2 + p * s2, n);
            at += n;
            p = 0;
            // advance the outer multi-index by one row
            for (int d = r - 2; d >= 0; d--) {
                o0 += strides[0][d]; o1 += strides[1][d]; o2 += strides[2][d];
                if (++idx[d] < shape[d]) break;
                o0 -= strides[0][d] * shape[d]; o1 -= strides[1][d] * shape[d]; o2 -= strides[2][d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * Runs {@code row} over every element, split across the pool when there are at least
     * {@code 2·grain} elements (chunk boundaries are multiples of 64 elements).
     */
    public void run(Parallel pool, long grain, Row row) {
        int chunks = (int) Math.min(pool.threads(), numel / Math.max(1, grain));
        if (chunks <= 1) { forRange(0, numel, row); return; }
        long per = (numel + chunks - 1) / chunks;
        long step = (per + 63) / 64 * 64;
        int tasks = (int) ((numel + step - 1) / step);
        pool.forRange(tasks, tasks, 1, (w, s, e) -> {
            for (int c = s; c < e; c++) forRange(c * step, Math.min(numel, (c + 1) * step), row);
        });
    }
}
