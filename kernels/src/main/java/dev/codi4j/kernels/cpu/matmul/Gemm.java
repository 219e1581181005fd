package dev.codi4j.kernels.cpu.matmul;

import static dev.codi4j.kernels.cpu.matmul.Vec.F;
import static dev.codi4j.kernels.cpu.matmul.Vec.L;
import static dev.codi4j.kernels.cpu.matmul.Vec.LE;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.Numerics;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * Cache-blocked single-precision GEMM, C = A·B (+ bias), in the Goto/BLIS style.
 *
 * <p>Operands reach the kernel only through packers: {@link PackA} writes MR-row panels of A
 * (k-major), {@link PackB} writes NR-column panels of B (k-major). The packers hide where the data
 * comes from — a strided F32 view, a weight matrix in F16/BF16/Q8_0/Q4_0 dequantised on the fly,
 * an implicit im2col matrix of a convolution — so the blocked loops and the register kernel exist
 * once.
 *
 * <p>Blocking: all of A is packed once, in parallel, into a buffer shared by the threads (it is the
 * smaller operand in every shape we run: tokens × K for a linear layer, out-channels × C·k for a
 * convolution). The threads then split the columns of B (or the rows of A when there are too few
 * column panels); each packs a KC×NC block of B (≤ 512 KiB, L2-resident) and sweeps the A panels
 * over it, keeping the current MR×KC A micro-panel in L1 while the B micro-panels stream from L2.
 */
public final class Gemm {
    private Gemm() {}

    /** Rows of the register block. */
    public static final int MR = 6;
    /**
     * Columns of the register block: 4 vectors where there are 32 vector registers (AVX-512, NEON),
     * 2 with AVX2's 16; always a multiple of 16 (the panel transposes move 16 columns at a time).
     */
    public static final int NR = (L == 8 ? 2 : 4) * L;
    /**
     * Depth of a packed block (a multiple of 32, so quantised blocks never straddle two). 512 halves
     * the passes over C compared with 256 and measured ~3 % faster on Zen 4 at 512×1024×4096; the
     * A micro-panel (6×512 floats, 12 KiB) still sits in L1.
     */
    static final int KC = Integer.getInteger("codi4j.gemm.kc", 512) / 32 * 32;
    /** Columns of a packed B block: KC×NC floats = 512 KiB, half of Zen 4's L2. */
    static final int NC = Math.max(NR, Integer.getInteger("codi4j.gemm.nc", 256) / NR * NR);
    /** Packed A above this many floats is processed in row slices (bounds the shared buffer at 64 MiB). */
    static final long A_LIMIT = 16L << 20;

    /** Packs rows [i0, i0+mr) × depth [k0, k0+kc) of A as dst[off + p·MR + r], zero for r ≥ mr. */
    public interface PackA { void pack(int i0, int mr, int k0, int kc, float[] dst, int off); }

    /** Packs depth [k0, k0+kc) × columns [j0, j0+nr) of B as dst[off + p·NR + c], zero for c ≥ nr. */
    public interface PackB { void pack(int k0, int kc, int j0, int nr, float[] dst, int off); }

    /**
     * Where C goes: row i starts at byte {@code rowOff[i]} of {@code seg}, columns are contiguous F32.
     * {@code biasN} (per column) or {@code biasM} (per row) may be null.
     */
    public record Out(MemorySegment seg, long[] rowOff, float[] biasN, float[] biasM) {}

    /** A packed once for several products with the same left operand (a convolution's weights over a batch). */
    public static final class PackedA {
        final float[] buf;
        final int m, k, mp;
        private PackedA(float[] buf, int m, int k) { this.buf = buf; this.m = m; this.k = k; this.mp = (m + MR - 1) / MR; }
    }

    /** Whether {@link #pack} accepts an m×k operand (the shared buffer is bounded at 64 MiB). */
    public static boolean packable(int m, int k) { return (long) m * k <= A_LIMIT; }

    /**
     * Packs all of A (m×k ≤ {@link #A_LIMIT}) on {@code pool} into this thread's scratch buffer; valid
     * until the next {@code pack} or {@code run} on this thread.
     */
    public static PackedA pack(int m, int k, PackA a, Parallel pool) {
        int mp = (m + MR - 1) / MR, kb = (k + KC - 1) / KC;
        float[] ap = Scratch.get(Scratch.A, Math.max(1, mp * MR * k));
        if (pool == null || (long) m * k < 32_768) packAll(a, 0, m, k, ap, 0, mp * kb);
        else pool.forRange(mp * kb, pool.threads() * 2, 8, (w, s, e) -> packAll(a, 0, m, k, ap, s, e));
        return new PackedA(ap, m, k);
    }

    /** C (a.m × n) = A · B (+ bias) with A packed by {@link #pack}. */
    public static void multiply(PackedA a, int n, PackB b, Out c, Parallel pool) {
        int m = a.m, k = a.k;
        if (m == 0 || n == 0) return;
        if (k == 0) { fillBias(m, n, c); return; }
        if (pool != null && 2L * m * n * k < 2_000_000) pool = null; // below ~20 µs of work the hand-off costs more than it saves
        int mp = a.mp, np = (n + NR - 1) / NR;
        float[] ap = a.buf;
        if (pool == null || pool.threads() == 1) { compute(0, m, 0, n, k, ap, mp, 0, b, c); return; }
        int t = pool.threads();
        // Columns share the packed A and pack disjoint parts of B, so they are preferred; rows are used
        // when whole column panels would leave threads idle (e.g. 5 panels on 2 threads is a 3:2 split)
        // and there are enough row panels that each thread re-packing all of B costs little.
        double colImbalance = Math.ceil((double) np / t) * t / np, rowImbalance = Math.ceil((double) mp / t) * t / mp;
        boolean byCols = mp < 4 * t || colImbalance <= 1.05 || colImbalance <= rowImbalance;
        if (byCols) pool.forRange(np, t, 1, (w, s, e) -> compute(0, m, s * NR, Math.min(n, e * NR), k, ap, mp, 0, b, c));
        else pool.forRange(mp, t, 1, (w, s, e) -> compute(s * MR, Math.min(m, e * MR), 0, n, k, ap, mp, 0, b, c));
    }

    /** C (m×n) = A (m×k) · B (k×n) + bias, on {@code pool} (or on the calling thread when {@code pool} is null). */
    public static void run(int m, int n, int k, PackA a, PackB b, Out c, Parallel pool) {
        if (m == 0 || n == 0) return;
        if (k == 0) { fillBias(m, n, c); return; }
        int rowsPerSlice = (int) Math.max(MR, Math.min(m, A_LIMIT / Math.max(1, k) / MR * MR));
        for (int i0 = 0; i0 < m; i0 += rowsPerSlice) {
            int rows = Math.min(rowsPerSlice, m - i0), first = i0;
            PackA sliceA = first == 0 ? a : (i, mr, k0, kc, dst, off) -> a.pack(first + i, mr, k0, kc, dst, off);
            Out sliceC = first == 0 ? c : new Out(c.seg(), java.util.Arrays.copyOfRange(c.rowOff(), first, first + rows), c.biasN(),
                    c.biasM() == null ? null : java.util.Arrays.copyOfRange(c.biasM(), first, first + rows));
            multiply(pack(rows, k, sliceA, pool), n, b, sliceC, pool);
        }
    }

    /** Packs the (depth block, row panel) pairs [s, e) numbered pc·mp + ip. */
    private static void packAll(PackA a, int i0, int i1, int k, float[] ap, int s, int e) {
        if (k == 0) return;
        int mp = (i1 - i0 + MR - 1) / MR;
        for (int q = s; q < e; q++) {
            int pc = q / mp, ip = q % mp;
            int k0 = pc * KC, kc = Math.min(KC, k - k0);
            int r0 = i0 + ip * MR;
            a.pack(r0, Math.min(MR, i1 - r0), k0, kc, ap, aOffset(mp, k0, kc, ip));
        }
    }

    /**
     * C[i0..i1, j0..j1) from packed A ({@code mp} panels per depth block, panel 0 = row {@code aBase})
     * and B packed here one KC×NC block at a time.
     */
    private static void compute(int i0, int i1, int j0, int j1, int k, float[] ap, int mp, int aBase, PackB b, Out c) {
        if (i0 >= i1 || j0 >= j1) return;
        float[] bp = Scratch.get(Scratch.B, NC * KC);
        float[] tile = Scratch.get(Scratch.TILE, MR * NR);
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int j = jc; j < jc + nc; j += NR) b.pack(pc, kc, j, Math.min(NR, jc + nc - j), bp, (j - jc) * kc);
                boolean first = pc == 0;
                for (int i = i0; i < i1; i += MR) {
                    int mr = Math.min(MR, i1 - i);
                    int aOff = aOffset(mp, pc, kc, (i - aBase) / MR);
                    for (int j = jc; j < jc + nc; j += NR) {
                        kernel(kc, ap, aOff, bp, (j - jc) * kc, tile);
                        store(tile, c, i, mr, j, Math.min(NR, jc + nc - j), first);
                    }
                }
            }
        }
    }

    /** Packed A: depth blocks one after another (all full but the last), each holding mp panels of MR×kc. */
    private static int aOffset(int mp, int k0, int kc, int panel) { return (k0 * mp + panel * kc) * MR; }

    private static void kernel(int kc, float[] a, int ao, float[] b, int bo, float[] tile) {
        if (NR == 4 * L) MicroKernel.k6x4(kc, a, ao, b, bo, tile);
        else MicroKernel.k6x2(kc, a, ao, b, bo, tile);
    }

    /** Writes (first depth block: with bias) or adds a finished tile into C. */
    static void store(float[] tile, Out c, int i0, int mr, int j0, int nr, boolean first) {
        MemorySegment seg = c.seg();
        float[] bn = c.biasN(), bm = c.biasM();
        for (int r = 0; r < mr; r++) {
            long base = c.rowOff()[i0 + r] + 4L * j0;
            int t = r * NR, col = 0;
            for (; col <= nr - L; col += L) {
                FloatVector v = FloatVector.fromArray(F, tile, t + col);
                if (first) {
                    if (bn != null) v = v.add(FloatVector.fromArray(F, bn, j0 + col));
                    if (bm != null) v = v.add(bm[i0 + r]);
                } else {
                    v = v.add(FloatVector.fromMemorySegment(F, seg, base + 4L * col, LE));
                }
                v.intoMemorySegment(seg, base + 4L * col, LE);
            }
            for (; col < nr; col++) {
                float v = tile[t + col];
                if (first) {
                    if (bn != null) v += bn[j0 + col];
                    if (bm != null) v += bm[i0 + r];
                } else {
                    v += seg.get(Numerics.F32, base + 4L * col);
                }
                seg.set(Numerics.F32, base + 4L * col, v);
            }
        }
    }

    private static void fillBias(int m, int n, Out c) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float v = (c.biasN() == null ? 0 : c.biasN()[j]) + (c.biasM() == null ? 0 : c.biasM()[i]);
                c.seg().set(Numerics.F32, c.rowOff()[i] + 4L * j, v);
            }
        }
    }
}
