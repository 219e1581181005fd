package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Lanes;
import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention with an online softmax (FlashAttention's schedule on a CPU): no
 * Sq×Sk score matrix ever exists, only one tile of scores per worker.
 *
 * <h2>Prefill / encoder kernel</h2>
 * Work items are (batch, head, group of up to {@link #QG} tiles of {@link #BQ} queries), spread
 * over the pool. Q·scale is packed transposed (D × BQ per tile). Keys are walked in tiles of
 * {@link #BK}: K and V rows are copied once into small dense arrays (any dtype and stride in, F32
 * out) and serve every query tile of the group, which for each tile
 * <ol>
 *   <li>computes the scores <em>transposed</em>, Sᵀ (keys × queries) = K·Qᵀ, with an 8-key ×
 *   3-vector register-blocked micro-kernel (24 accumulators) that broadcasts K and streams Qᵀ,
 *   taking each query's maximum on the fly when no mask touches the tile;</li>
 *   <li>adds the mask and sets causally invisible keys to −∞;</li>
 *   <li>runs the online softmax with queries in vector lanes, so the running max and sum need no
 *   horizontal reductions at all ({@link VMath#expSoftmax});</li>
 *   <li>updates O (queries × Dv) = α·O + P·V with a 6-query × 4-vector micro-kernel that
 *   broadcasts P and streams V.</li>
 * </ol>
 * Neither K nor V is transposed: both micro-kernels broadcast from row-major tiles. Keys that a
 * causal mask hides from a whole tile are never touched. Both micro-kernels run at about 93 % of
 * the FMA peak in L1; the exp costs about a sixth of the time at head dimension 64.
 *
 * <h2>Decode kernel</h2>
 * When a K/V head serves at most {@link #DECODE_ROWS} query rows (Sq × grouped heads, e.g.
 * Llama decode) the work is bound by reading the KV cache. Items are (batch, range of K/V heads);
 * keys are the outer loop and heads the inner one, so a cache stored (S, H, D) streams through
 * memory in order, and each K and V row is read once for all the query rows that share it.
 */
public final class Attention {
    private Attention() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Queries per tile: three vectors of lanes, also a multiple of the 6-row P·V block. */
    static final int BQ = 3 * L;
    /** Keys per tile. */
    static final int BK = 128;
    /** Keys per register block of the score kernel. */
    static final int JB = 8;
    /** Query rows per register block of the P·V kernel. */
    static final int IR = 6;
    /** Largest number of query rows per K/V head handled by the decode kernel. */
    static final int DECODE_ROWS = 8;
    /** Keys per chunk of the decode kernel. */
    static final int DC = 32;

    /** A strided 4-d tensor's addressing, unpacked once. */
    private record View(MemorySegment seg, DType dt, long off, long s0, long s1, long s2, long s3) {
        static View of(Tensor t) {
            return new View(t.segment(), t.dtype(), t.offset(), t.stride(0), t.stride(1), t.stride(2), t.stride(3));
        }
        long at(int a, int b, int c) { return off + a * s0 + b * s1 + c * s2; }
    }

    public static void attention(Parallel pool, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new ShapeException("attention needs rank-4 q, k, v: " + q.describe() + ", " + k.describe() + ", " + v.describe());
        int b = q.dim(0), h = q.dim(1), sq = q.dim(2), d = q.dim(3);
        int hk = k.dim(1), sk = k.dim(2), dv = v.dim(3);
        if (k.dim(0) != b || v.dim(0) != b || k.dim(3) != d || v.dim(1) != hk || v.dim(2) != sk || hk == 0 || h % hk != 0) {
            throw new ShapeException("attention shapes do not fit: q " + q.describe() + ", k " + k.describe() + ", v " + v.describe()
                    + " (expected q (B, H, Sq, D), k (B, Hk, Sk, D), v (B, Hk, Sk, Dv) with H a multiple of Hk)");
        }
        Shapes.requireShape(out, "attention out", b, h, sq, dv);
        if (out.numel() == 0) return;
        Tensor m = mask == null ? null : mask.expand(b, h, sq, sk);
        Problem p = new Problem(View.of(q), View.of(k), View.of(v), m == null ? null : View.of(m), View.of(out),
                b, h, hk, sq, sk, d, dv, causal, scale);
        if (sk == 0) { Copy.fill(pool, out, 0f); return; }
        if ((long) sq * (h / hk) <= DECODE_ROWS) decode(pool, p);
        else tiled(pool, p);
    }

    private record Problem(View q, View k, View v, View mask, View out, int b, int h, int hk, int sq, int sk, int d, int dv, boolean causal, float scale) {
        int group() { return h / hk; }
        /** Queries see keys j ≤ i + offset when causal. */
        int offset() { return sk - sq; }
        int dvp() { return (dv + L - 1) / L * L; }
        int dp() { return (d + L - 1) / L * L; }
    }

    // ---- tiled kernel ------------------------------------------------------------------------

    /** Query tiles that share each packed K/V tile (amortises the packing over QG·BQ queries). */
    static final int QG = 8;

    /** Per-worker buffers of the tiled kernel; the q-tile buffers hold QG tiles back to back. */
    private static final class Tiles {
        final float[] qt, kp, vp, st, o, m, l, alpha, mUse, colMax, row, maskRow;
        final int d, dvp;
        Tiles(int d, int dvp) {
            this.d = d;
            this.dvp = dvp;
            qt = new float[QG * d * BQ];
            kp = new float[(BK + JB) * d];
            vp = new float[BK * dvp];
            st = new float[(BK + JB) * BQ];
            o = new float[QG * BQ * dvp];
            m = new float[QG * BQ];
            l = new float[QG * BQ];
            alpha = new float[BQ];
            mUse = new float[BQ];
            colMax = new float[BQ];
            row = new float[Math.max(d, dvp)];
            maskRow = new float[BK];
        }
    }

    private static final ThreadLocal<Tiles> TILES = new ThreadLocal<>();

    private static Tiles tiles(int d, int dvp) {
        Tiles t = TILES.get();
        if (t == null || t.d != d || t.dvp != dvp) { t = new Tiles(d, dvp); TILES.set(t); }
        return t;
    }

    private static void tiled(Parallel pool, Problem p) {
        int qTiles = (p.sq + BQ - 1) / BQ;
        // as many tiles per group as still leaves every thread several items to balance
        int qg = Math.max(1, Math.min(QG, p.b * p.h * qTiles / (4 * pool.threads())));
        int groups = (qTiles + qg - 1) / qg;
        int items = p.b * p.h * groups;
        double flops = 4.0 * p.sq * p.sk * p.d * p.b * p.h;
        int chunks = flops < 4e6 ? 1 : Math.min(items, pool.threads() * 8);
        pool.forRange(items, chunks, 1, (w, s, e) -> {
            Tiles t = tiles(p.d, p.dvp());
            for (int it = s; it < e; it++) {
                int g = it % groups, hh = (it / groups) % p.h, bb = it / (groups * p.h);
                group(p, t, bb, hh, g * qg * BQ, qg);
            }
        });
    }

    /** Queries [i0, i0 + qg·BQ) of head h: up to qg tiles walking the keys together. */
    private static void group(Problem p, Tiles t, int b, int h, int i0, int qg) {
        int d = p.d, dv = p.dv, dvp = t.dvp, kh = h / p.group();
        int nq = Math.min(qg * BQ, p.sq - i0);
        int tilesHere = (nq + BQ - 1) / BQ;
        float[] qt = t.qt, kp = t.kp, vp = t.vp, st = t.st, o = t.o, m = t.m, l = t.l, alpha = t.alpha, row = t.row;
        // Qᵀ·scale per tile, zero-padded to BQ queries
        View q = p.q;
        Arrays.fill(qt, 0, tilesHere * d * BQ, 0f);
        for (int i = 0; i < nq; i++) {
            packRow(q, q.at(b, h, i0 + i), d, row, 0);
            int tb = (i / BQ) * d * BQ, lane = i % BQ;
            for (int c = 0; c < d; c++) qt[tb + c * BQ + lane] = row[c] * p.scale;
        }
        Arrays.fill(m, 0, tilesHere * BQ, Float.NEGATIVE_INFINITY);
        Arrays.fill(l, 0, tilesHere * BQ, 0f);
        Arrays.fill(o, 0, tilesHere * BQ * dvp, 0f);
        int off = p.offset();
        int jEnd = p.causal ? Math.min(p.sk, i0 + nq + off) : p.sk; // keys visible to the last query of the group
        View k = p.k, v = p.v;
        for (int j0 = 0; j0 < jEnd; j0 += BK) {
            int bkAll = Math.min(BK, jEnd - j0);
            for (int j = 0; j < bkAll; j++) packRow(k, k.at(b, kh, j0 + j), d, kp, j * d);
            for (int j = 0; j < bkAll; j++) packRow(v, v.at(b, kh, j0 + j), dv, vp, j * dvp);
            if (dvp > dv) for (int j = 0; j < bkAll; j++) Arrays.fill(vp, j * dvp + dv, (j + 1) * dvp, 0f);
            for (int ti = 0; ti < tilesHere; ti++) {
                int ti0 = i0 + ti * BQ, bq = Math.min(BQ, p.sq - ti0);
                int bk = p.causal ? Math.min(bkAll, ti0 + bq + off - j0) : bkAll; // this tile's visible keys
                if (bk <= 0) continue;
                int bkp = (bk + JB - 1) / JB * JB; // scores of keys bk..bkp are computed from stale rows and never read
                boolean diagonal = p.causal && j0 + bk - 1 > ti0 + off;
                boolean fused = p.mask == null && !diagonal; // scores as computed are final: take their max on the fly
                scores(qt, ti * d * BQ, kp, st, bkp, d, fused ? bk : 0, t.colMax);
                if (p.mask != null) addMask(p.mask, b, h, ti0, bq, j0, bk, st, t.maskRow);
                if (diagonal) causalMask(st, ti0, j0, bk, off);
                softmaxStep(st, bk, m, l, ti * BQ, alpha, t.mUse, fused ? t.colMax : null);
                pv(st, vp, o, ti * BQ * dvp, alpha, bk, dvp);
            }
        }
        // O / l; rows with no visible key (running max still −∞) are 0
        View out = p.out;
        boolean direct = out.dt == DType.F32 && (out.s3 == 1 || dv == 1);
        for (int i = 0; i < nq; i++) {
            float inv = m[i] == Float.NEGATIVE_INFINITY || l[i] == 0 ? 0f : 1f / l[i];
            if (direct) { scaledRow(o, i * dvp, inv, out.seg, out.at(b, h, i0 + i) * 4, dv); continue; }
            for (int c = 0; c < dv; c++) row[c] = inv == 0 ? 0f : o[i * dvp + c] * inv;
            RowIO.store(row, 0, out.dt, out.seg, out.at(b, h, i0 + i), out.s3, dv);
        }
    }

    /** The n floats at byte offset db = o[ob..ob+n)·inv (exactly 0 when inv is 0: no −0 from a zero row). */
    private static void scaledRow(float[] o, int ob, float inv, MemorySegment ds, long db, int n) {
        FloatVector iv = FloatVector.broadcast(F, inv);
        for (int c = 0; c < n; c += L) {
            VectorMask<Float> msk = F.indexInRange(c, n);
            FloatVector y = inv == 0 ? FloatVector.zero(F) : FloatVector.fromArray(F, o, ob + c, msk).mul(iv);
            y.intoMemorySegment(ds, db + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN, msk);
        }
    }

    /** One row of a K/V/Q view into a float array: vector copy for F32 rows, vector widening for F16, {@link RowIO} otherwise. */
    private static void packRow(View t, long off, int n, float[] dst, int at) {
        if (t.dt == DType.F16 && t.s3 == 1) { Convert.f16ToF32(t.seg, off * 2, dst, at, n); return; }
        if (t.dt == DType.F32 && (t.s3 == 1 || n == 1)) {
            long b = off * 4;
            int c = 0;
            for (; c <= n - L; c += L) FloatVector.fromMemorySegment(F, t.seg, b + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN).intoArray(dst, at + c);
            if (c < n) {
                VectorMask<Float> msk = F.indexInRange(c, n);
                FloatVector.fromMemorySegment(F, t.seg, b + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN, msk).intoArray(dst, at + c, msk);
            }
            return;
        }
        RowIO.load(t.dt, t.seg, off, t.s3, n, dst, at);
    }

    /**
     * Sᵀ[j·BQ + i] = Σ_c K[j·d + c]·Qᵀ[qOff + c·BQ + i] for j < bkp (a multiple of 8), all BQ lanes.
     * When {@code maxRows} &gt; 0, also colMax[i] = max over keys j &lt; maxRows of Sᵀ[j][i], saving
     * the softmax a pass over the tile.
     */
    static void scores(float[] qt, int qOff, float[] kp, float[] st, int bkp, int d, int maxRows, float[] colMax) {
        if (maxRows > 0) java.util.Arrays.fill(colMax, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < bkp; j += JB) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00,
                    a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00,
                    a40 = a00, a41 = a00, a42 = a00, a50 = a00, a51 = a00, a52 = a00,
                    a60 = a00, a61 = a00, a62 = a00, a70 = a00, a71 = a00, a72 = a00;
            int k0 = j * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d, k4 = k3 + d, k5 = k4 + d, k6 = k5 + d, k7 = k6 + d;
            for (int c = 0; c < d; c++) {
                int qb = qOff + c * BQ;
                FloatVector q0 = FloatVector.fromArray(F, qt, qb), q1 = FloatVector.fromArray(F, qt, qb + L), q2 = FloatVector.fromArray(F, qt, qb + 2 * L);
                FloatVector kb = FloatVector.broadcast(F, kp[k0 + c]);
                a00 = kb.fma(q0, a00); a01 = kb.fma(q1, a01); a02 = kb.fma(q2, a02);
                kb = FloatVector.broadcast(F, kp[k1 + c]);
                a10 = kb.fma(q0, a10); a11 = kb.fma(q1, a11); a12 = kb.fma(q2, a12);
                kb = FloatVector.broadcast(F, kp[k2 + c]);
                a20 = kb.fma(q0, a20); a21 = kb.fma(q1, a21); a22 = kb.fma(q2, a22);
                kb = FloatVector.broadcast(F, kp[k3 + c]);
                a30 = kb.fma(q0, a30); a31 = kb.fma(q1, a31); a32 = kb.fma(q2, a32);
                kb = FloatVector.broadcast(F, kp[k4 + c]);
                a40 = kb.fma(q0, a40); a41 = kb.fma(q1, a41); a42 = kb.fma(q2, a42);
                kb = FloatVector.broadcast(F, kp[k5 + c]);
                a50 = kb.fma(q0, a50); a51 = kb.fma(q1, a51); a52 = kb.fma(q2, a52);
                kb = FloatVector.broadcast(F, kp[k6 + c]);
                a60 = kb.fma(q0, a60); a61 = kb.fma(q1, a61); a62 = kb.fma(q2, a62);
                kb = FloatVector.broadcast(F, kp[k7 + c]);
                a70 = kb.fma(q0, a70); a71 = kb.fma(q1, a71); a72 = kb.fma(q2, a72);
            }
            int s = j * BQ;
            a00.intoArray(st, s); a01.intoArray(st, s + L); a02.intoArray(st, s + 2 * L); s += BQ;
            a10.intoArray(st, s); a11.intoArray(st, s + L); a12.intoArray(st, s + 2 * L); s += BQ;
            a20.intoArray(st, s); a21.intoArray(st, s + L); a22.intoArray(st, s + 2 * L); s += BQ;
            a30.intoArray(st, s); a31.intoArray(st, s + L); a32.intoArray(st, s + 2 * L); s += BQ;
            a40.intoArray(st, s); a41.intoArray(st, s + L); a42.intoArray(st, s + 2 * L); s += BQ;
            a50.intoArray(st, s); a51.intoArray(st, s + L); a52.intoArray(st, s + 2 * L); s += BQ;
            a60.intoArray(st, s); a61.intoArray(st, s + L); a62.intoArray(st, s + 2 * L); s += BQ;
            a70.intoArray(st, s); a71.intoArray(st, s + L); a72.intoArray(st, s + 2 * L);
            if (j + JB <= maxRows) {
                FloatVector.fromArray(F, colMax, 0).max(a00.max(a10).max(a20.max(a30)).max(a40.max(a50).max(a60.max(a70)))).intoArray(colMax, 0);
                FloatVector.fromArray(F, colMax, L).max(a01.max(a11).max(a21.max(a31)).max(a41.max(a51).max(a61.max(a71)))).intoArray(colMax, L);
                FloatVector.fromArray(F, colMax, 2 * L).max(a02.max(a12).max(a22.max(a32)).max(a42.max(a52).max(a62.max(a72)))).intoArray(colMax, 2 * L);
            } else if (j < maxRows) {
                partialMax(st, j, maxRows, colMax);
            }
        }
    }

    /** colMax = max(colMax, rows j..maxRows of Sᵀ): the last, partial block of keys. */
    private static void partialMax(float[] st, int j, int maxRows, float[] colMax) {
        for (int i = 0; i < BQ; i += L) {
            FloatVector mx = FloatVector.fromArray(F, colMax, i);
            for (int r = j; r < maxRows; r++) mx = mx.max(FloatVector.fromArray(F, st, r * BQ + i));
            mx.intoArray(colMax, i);
        }
    }

    /** Sᵀ[j][i] += mask[b, h, i0+i, j0+j]. */
    private static void addMask(View mk, int b, int h, int i0, int bq, int j0, int bk, float[] st, float[] row) {
        if (mk.s2 == 0) { // the same mask row for every query (key padding): add it across the lanes
            RowIO.load(mk.dt, mk.seg, mk.at(b, h, i0) + j0 * mk.s3, mk.s3, bk, row, 0);
            for (int j = 0; j < bk; j++) {
                FloatVector mv = FloatVector.broadcast(F, row[j]);
                for (int i = 0; i < BQ; i += L) FloatVector.fromArray(F, st, j * BQ + i).add(mv).intoArray(st, j * BQ + i);
            }
            return;
        }
        for (int i = 0; i < bq; i++) {
            RowIO.load(mk.dt, mk.seg, mk.at(b, h, i0 + i) + j0 * mk.s3, mk.s3, bk, row, 0);
            for (int j = 0; j < bk; j++) st[j * BQ + i] += row[j];
        }
    }

    /** Sᵀ[j][i] = −∞ where key j0+j is after query i0+i + off. */
    private static void causalMask(float[] st, int i0, int j0, int bk, int off) {
        FloatVector ninf = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = Math.max(0, i0 + off - j0 + 1); j < bk; j++) {
            int firstVisible = j0 + j - off - i0; // ≥ 1 here: lanes i < firstVisible cannot see key j
            for (int i = 0; i < BQ; i += L) {
                int n = Math.min(L, firstVisible - i);
                if (n <= 0) break;
                VectorMask<Float> hide = F.indexInRange(0, n);
                FloatVector.fromArray(F, st, j * BQ + i).blend(ninf, hide).intoArray(st, j * BQ + i);
            }
        }
    }

    /**
     * Online softmax over keys j < bk for all BQ lanes: updates m and l (at offset ml), leaves P in
     * st and the rescale of the old state in alpha. Split in two methods with one exp each: C2
     * would not inline more copies into one method, and an exp left as a call boxes its vectors.
     */
    static void softmaxStep(float[] st, int bk, float[] m, float[] l, int ml, float[] alpha, float[] mUse, float[] colMax) {
        for (int i = 0; i < BQ; i += L) {
            newMax(st, bk, i, m, ml, alpha, mUse, colMax);
            expColumn(st, bk, i, l, ml, alpha, mUse);
        }
    }

    /**
     * Running max of lanes [i, i+L) (the tile's from colMax when the score kernel found it);
     * alpha = e^(m_old − m_new), with fully masked lanes kept finite.
     */
    private static void newMax(float[] st, int bk, int i, float[] m, int ml, float[] alpha, float[] mUse, float[] colMax) {
        FloatVector mx;
        if (colMax != null) mx = FloatVector.fromArray(F, colMax, i);
        else {
            mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < bk; j++) mx = mx.max(FloatVector.fromArray(F, st, j * BQ + i));
        }
        FloatVector mOld = FloatVector.fromArray(F, m, ml + i);
        FloatVector mNew = mOld.max(mx);
        FloatVector use = mNew.blend(0f, mNew.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        VMath.expSoftmax(mOld.sub(use)).intoArray(alpha, i);
        use.intoArray(mUse, i);
        mNew.intoArray(m, ml + i);
    }

    /** P = e^(S − m) in place for lanes [i, i+L), l = α·l + Σ P. */
    private static void expColumn(float[] st, int bk, int i, float[] l, int ml, float[] alpha, float[] mUse) {
        FloatVector use = FloatVector.fromArray(F, mUse, i);
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < bk; j++) {
            FloatVector p = VMath.expSoftmax(FloatVector.fromArray(F, st, j * BQ + i).sub(use));
            p.intoArray(st, j * BQ + i);
            sum = sum.add(p);
        }
        FloatVector.fromArray(F, l, ml + i).fma(FloatVector.fromArray(F, alpha, i), sum).intoArray(l, ml + i);
    }

    /** O[i] = α[i]·O[i] + Σ_{j<bk} Pᵀ[j][i]·V[j] for all BQ rows; O and V rows are dvp wide. */
    static void pv(float[] st, float[] vp, float[] o, int ob, float[] alpha, int bk, int dvp) {
        for (int i = 0; i < BQ; i += IR) {
            int c = 0;
            for (; c + 4 * L <= dvp; c += 4 * L) pv6x4(st, vp, o, ob, alpha, bk, dvp, i, c);
            for (; c < dvp; c += L) pv6x1(st, vp, o, ob, alpha, bk, dvp, i, c);
        }
    }

    private static void pv6x4(float[] st, float[] vp, float[] o, int ob, float[] alpha, int bk, int dvp, int i, int c) {
        int o0 = ob + i * dvp + c, o1 = o0 + dvp, o2 = o1 + dvp, o3 = o2 + dvp, o4 = o3 + dvp, o5 = o4 + dvp;
        FloatVector s0 = FloatVector.broadcast(F, alpha[i]), s1 = FloatVector.broadcast(F, alpha[i + 1]), s2 = FloatVector.broadcast(F, alpha[i + 2]),
                s3 = FloatVector.broadcast(F, alpha[i + 3]), s4 = FloatVector.broadcast(F, alpha[i + 4]), s5 = FloatVector.broadcast(F, alpha[i + 5]);
        FloatVector a00 = FloatVector.fromArray(F, o, o0).mul(s0), a01 = FloatVector.fromArray(F, o, o0 + L).mul(s0),
                a02 = FloatVector.fromArray(F, o, o0 + 2 * L).mul(s0), a03 = FloatVector.fromArray(F, o, o0 + 3 * L).mul(s0);
        FloatVector a10 = FloatVector.fromArray(F, o, o1).mul(s1), a11 = FloatVector.fromArray(F, o, o1 + L).mul(s1),
                a12 = FloatVector.fromArray(F, o, o1 + 2 * L).mul(s1), a13 = FloatVector.fromArray(F, o, o1 + 3 * L).mul(s1);
        FloatVector a20 = FloatVector.fromArray(F, o, o2).mul(s2), a21 = FloatVector.fromArray(F, o, o2 + L).mul(s2),
                a22 = FloatVector.fromArray(F, o, o2 + 2 * L).mul(s2), a23 = FloatVector.fromArray(F, o, o2 + 3 * L).mul(s2);
        FloatVector a30 = FloatVector.fromArray(F, o, o3).mul(s3), a31 = FloatVector.fromArray(F, o, o3 + L).mul(s3),
                a32 = FloatVector.fromArray(F, o, o3 + 2 * L).mul(s3), a33 = FloatVector.fromArray(F, o, o3 + 3 * L).mul(s3);
        FloatVector a40 = FloatVector.fromArray(F, o, o4).mul(s4), a41 = FloatVector.fromArray(F, o, o4 + L).mul(s4),
                a42 = FloatVector.fromArray(F, o, o4 + 2 * L).mul(s4), a43 = FloatVector.fromArray(F, o, o4 + 3 * L).mul(s4);
        FloatVector a50 = FloatVector.fromArray(F, o, o5).mul(s5), a51 = FloatVector.fromArray(F, o, o5 + L).mul(s5),
                a52 = FloatVector.fromArray(F, o, o5 + 2 * L).mul(s5), a53 = FloatVector.fromArray(F, o, o5 + 3 * L).mul(s5);
        for (int j = 0; j < bk; j++) {
            int vb = j * dvp + c, pb = j * BQ + i;
            FloatVector v0 = FloatVector.fromArray(F, vp, vb), v1 = FloatVector.fromArray(F, vp, vb + L),
                    v2 = FloatVector.fromArray(F, vp, vb + 2 * L), v3 = FloatVector.fromArray(F, vp, vb + 3 * L);
            FloatVector pj = FloatVector.broadcast(F, st[pb]);
            a00 = pj.fma(v0, a00); a01 = pj.fma(v1, a01); a02 = pj.fma(v2, a02); a03 = pj.fma(v3, a03);
            pj = FloatVector.broadcast(F, st[pb + 1]);
            a10 = pj.fma(v0, a10); a11 = pj.fma(v1, a11); a12 = pj.fma(v2, a12); a13 = pj.fma(v3, a13);
            pj = FloatVector.broadcast(F, st[pb + 2]);
            a20 = pj.fma(v0, a20); a21 = pj.fma(v1, a21); a22 = pj.fma(v2, a22); a23 = pj.fma(v3, a23);
            pj = FloatVector.broadcast(F, st[pb + 3]);
            a30 = pj.fma(v0, a30); a31 = pj.fma(v1, a31); a32 = pj.fma(v2, a32); a33 = pj.fma(v3, a33);
            pj = FloatVector.broadcast(F, st[pb + 4]);
            a40 = pj.fma(v0, a40); a41 = pj.fma(v1, a41); a42 = pj.fma(v2, a42); a43 = pj.fma(v3, a43);
            pj = FloatVector.broadcast(F, st[pb + 5]);
            a50 = pj.fma(v0, a50); a51 = pj.fma(v1, a51); a52 = pj.fma(v2, a52); a53 = pj.fma(v3, a53);
        }
        a00.intoArray(o, o0); a01.intoArray(o, o0 + L); a02.intoArray(o, o0 + 2 * L); a03.intoArray(o, o0 + 3 * L);
        a10.intoArray(o, o1); a11.intoArray(o, o1 + L); a12.intoArray(o, o1 + 2 * L); a13.intoArray(o, o1 + 3 * L);
        a20.intoArray(o, o2); a21.intoArray(o, o2 + L); a22.intoArray(o, o2 + 2 * L); a23.intoArray(o, o2 + 3 * L);
        a30.intoArray(o, o3); a31.intoArray(o, o3 + L); a32.intoArray(o, o3 + 2 * L); a33.intoArray(o, o3 + 3 * L);
        a40.intoArray(o, o4); a41.intoArray(o, o4 + L); a42.intoArray(o, o4 + 2 * L); a43.intoArray(o, o4 + 3 * L);
        a50.intoArray(o, o5); a51.intoArray(o, o5 + L); a52.intoArray(o, o5 + 2 * L); a53.intoArray(o, o5 + 3 * L);
    }

    private static void pv6x1(float[] st, float[] vp, float[] o, int ob, float[] alpha, int bk, int dvp, int i, int c) {
        int o0 = ob + i * dvp + c;
        FloatVector a0 = FloatVector.fromArray(F, o, o0).mul(alpha[i]), a1 = FloatVector.fromArray(F, o, o0 + dvp).mul(alpha[i + 1]),
                a2 = FloatVector.fromArray(F, o, o0 + 2 * dvp).mul(alpha[i + 2]), a3 = FloatVector.fromArray(F, o, o0 + 3 * dvp).mul(alpha[i + 3]),
                a4 = FloatVector.fromArray(F, o, o0 + 4 * dvp).mul(alpha[i + 4]), a5 = FloatVector.fromArray(F, o, o0 + 5 * dvp).mul(alpha[i + 5]);
        for (int j = 0; j < bk; j++) {
            FloatVector v0 = FloatVector.fromArray(F, vp, j * dvp + c);
            int pb = j * BQ + i;
            a0 = v0.fma(FloatVector.broadcast(F, st[pb]), a0);
            a1 = v0.fma(FloatVector.broadcast(F, st[pb + 1]), a1);
            a2 = v0.fma(FloatVector.broadcast(F, st[pb + 2]), a2);
            a3 = v0.fma(FloatVector.broadcast(F, st[pb + 3]), a3);
            a4 = v0.fma(FloatVector.broadcast(F, st[pb + 4]), a4);
            a5 = v0.fma(FloatVector.broadcast(F, st[pb + 5]), a5);
        }
        a0.intoArray(o, o0); a1.intoArray(o, o0 + dvp); a2.intoArray(o, o0 + 2 * dvp);
        a3.intoArray(o, o0 + 3 * dvp); a4.intoArray(o, o0 + 4 * dvp); a5.intoArray(o, o0 + 5 * dvp);
    }

    // ---- decode kernel ------------------------------------------------------------------------

    /**
     * Work item: one batch entry and a contiguous range of K/V heads. Keys are walked in the outer
     * loop and heads in the inner one, so a KV cache stored (S, H, D) is read as the contiguous
     * stream it is (a per-head walk would jump H·D floats per key and starve the prefetchers).
     */
    private static void decode(Parallel pool, Problem p) {
        double bytes = 4.0 * p.sk * (p.d + p.dv) * p.hk * p.b;
        int parts = bytes < 1 << 20 ? 1 : Math.min(p.hk, pool.threads());
        int items = p.b * parts;
        pool.forRange(items, items, 1, (w, s, e) -> {
            for (int it = s; it < e; it++) {
                int bb = it / parts, part = it % parts;
                int h0 = p.hk * part / parts, h1 = p.hk * (part + 1) / parts;
                decodeItem(p, bb, h0, h1);
            }
        });
    }

    /** Query rows of K/V heads [h0, h1): row r serves head (h0 + r / (g·Sq))·g + (r / Sq) % g, query r % Sq. */
    private static void decodeItem(Problem p, int b, int h0, int h1) {
        int g = p.group(), sq = p.sq, per = g * sq, rows = (h1 - h0) * per, d = p.d, dv = p.dv, dp = p.dp(), dvp = p.dvp(), off = p.offset();
        View q = p.q, k = p.k, v = p.v;
        float[] qv = new float[rows * dp], sc = new float[rows * DC], o = new float[rows * dvp], m = new float[rows], l = new float[rows];
        float[] krow = new float[dp], vrow = new float[dvp], maskRow = new float[DC];
        for (int r = 0; r < rows; r++) {
            packRow(q, q.at(b, headOf(r, h0, g, sq), r % sq), d, qv, r * dp);
            for (int c = 0; c < d; c++) qv[r * dp + c] *= p.scale;
        }
        Arrays.fill(m, Float.NEGATIVE_INFINITY);
        int jEnd = p.causal ? Math.min(p.sk, sq + off) : p.sk; // keys visible to the last query
        for (int j0 = 0; j0 < jEnd; j0 += DC) {
            int cn = Math.min(DC, jEnd - j0);
            boolean kDirect = k.dt == DType.F32 && k.s3 == 1, vDirect = v.dt == DType.F32 && v.s3 == 1; // read F32 rows in place
            for (int j = 0; j < cn; j++) {
                for (int kh = h0; kh < h1; kh++) {
                    int r0 = (kh - h0) * per;
                    long ka = k.at(b, kh, j0 + j);
                    if (kDirect) {
                        for (int r = r0; r < r0 + per; r++) sc[r * DC + j] = dot(qv, r * dp, k.seg, ka * 4, d);
                    } else {
                        packRow(k, ka, d, krow, 0);
                        for (int r = r0; r < r0 + per; r++) sc[r * DC + j] = dot(qv, r * dp, krow, dp);
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                int base = r * DC, i = r % sq;
                if (p.mask != null) {
                    View mk = p.mask;
                    RowIO.load(mk.dt, mk.seg, mk.at(b, headOf(r, h0, g, sq), i) + j0 * mk.s3, mk.s3, cn, maskRow, 0);
                    for (int j = 0; j < cn; j++) sc[base + j] += maskRow[j];
                }
                if (p.causal) for (int j = Math.max(0, i + off + 1 - j0); j < cn; j++) sc[base + j] = Float.NEGATIVE_INFINITY;
                float a = softmaxRowStep(sc, base, cn, m, l, r);
                if (a != 1f) scale(o, r * dvp, dvp, a);
            }
            for (int j = 0; j < cn; j++) {
                for (int kh = h0; kh < h1; kh++) {
                    int r0 = (kh - h0) * per;
                    long va = v.at(b, kh, j0 + j);
                    if (vDirect) {
                        for (int r = r0; r < r0 + per; r++) {
                            float pj = sc[r * DC + j];
                            if (pj != 0f) axpy(pj, v.seg, va * 4, o, r * dvp, dv);
                        }
                        continue;
                    }
                    packRow(v, va, dv, vrow, 0);
                    for (int r = r0; r < r0 + per; r++) {
                        float pj = sc[r * DC + j];
                        if (pj != 0f) axpy(pj, vrow, o, r * dvp, dvp);
                    }
                }
            }
        }
        View out = p.out;
        float[] row = new float[dvp];
        for (int r = 0; r < rows; r++) {
            float inv = l[r] == 0 ? 0f : 1f / l[r];
            for (int c = 0; c < dv; c++) row[c] = inv == 0 ? 0f : o[r * dvp + c] * inv;
            RowIO.store(row, 0, out.dt, out.seg, out.at(b, headOf(r, h0, g, sq), r % sq), out.s3, dv);
        }
    }

    private static int headOf(int r, int h0, int g, int sq) {
        int per = g * sq;
        return (h0 + r / per) * g + (r % per) / sq;
    }

    /** q[qb..qb+dp) · k[0..dp) (zero-padded to whole vectors). */
    private static float dot(float[] q, int qb, float[] k, int dp) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c + 2 * L <= dp; c += 2 * L) {
            a0 = FloatVector.fromArray(F, q, qb + c).fma(FloatVector.fromArray(F, k, c), a0);
            a1 = FloatVector.fromArray(F, q, qb + c + L).fma(FloatVector.fromArray(F, k, c + L), a1);
        }
        if (c < dp) a0 = FloatVector.fromArray(F, q, qb + c).fma(FloatVector.fromArray(F, k, c), a0);
        return VMath.sum(a0.add(a1));
    }

    /** q[qb..qb+d) · the d floats at byte offset kb (masked tail). */
    private static float dot(float[] q, int qb, MemorySegment ks, long kb, int d) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int c = 0;
        for (; c + 2 * L <= d; c += 2 * L) {
            a0 = FloatVector.fromArray(F, q, qb + c).fma(FloatVector.fromMemorySegment(F, ks, kb + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN), a0);
            a1 = FloatVector.fromArray(F, q, qb + c + L).fma(FloatVector.fromMemorySegment(F, ks, kb + 4L * (c + L), java.nio.ByteOrder.LITTLE_ENDIAN), a1);
        }
        for (; c < d; c += L) {
            VectorMask<Float> m = F.indexInRange(c, d);
            a0 = FloatVector.fromArray(F, q, qb + c, m).fma(FloatVector.fromMemorySegment(F, ks, kb + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN, m), a0);
        }
        return VMath.sum(a0.add(a1));
    }

    /** o[ob..ob+n) += a·(the n floats at byte offset xb) (masked tail). */
    private static void axpy(float a, MemorySegment xs, long xb, float[] o, int ob, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int c = 0;
        for (; c + L <= n; c += L) av.fma(FloatVector.fromMemorySegment(F, xs, xb + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN), FloatVector.fromArray(F, o, ob + c)).intoArray(o, ob + c);
        if (c < n) {
            VectorMask<Float> m = F.indexInRange(c, n);
            av.fma(FloatVector.fromMemorySegment(F, xs, xb + 4L * c, java.nio.ByteOrder.LITTLE_ENDIAN, m), FloatVector.fromArray(F, o, ob + c, m)).intoArray(o, ob + c, m);
        }
    }

    /** o[ob..ob+n) *= a. */
    private static void scale(float[] o, int ob, int n, float a) {
        for (int c = 0; c < n; c += L) FloatVector.fromArray(F, o, ob + c).mul(a).intoArray(o, ob + c);
    }

    /** o[ob..ob+n) += a·x[0..n). */
    private static void axpy(float a, float[] x, float[] o, int ob, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        for (int c = 0; c < n; c += L) av.fma(FloatVector.fromArray(F, x, c), FloatVector.fromArray(F, o, ob + c)).intoArray(o, ob + c);
    }

    /** Online softmax of one row's chunk in place (P replaces the scores); returns the rescale of the old state. */
    private static float softmaxRowStep(float[] sc, int base, int cn, float[] m, float[] l, int r) {
        float mx = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < cn; j++) mx = Math.max(mx, sc[base + j]);
        float mNew = Math.max(m[r], mx);
        float mUse = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew;
        float sum = expInPlace(sc, base, cn, mUse);
        float a = (float) Math.exp(m[r] - mUse); // exp(−∞) = 0 for a row's first visible chunk
        l[r] = l[r] * a + sum;
        m[r] = mNew;
        return a;
    }

    /** sc[base..base+cn) = e^(sc − shift), returning the sum (one masked loop: exp inlined once). */
    private static float expInPlace(float[] sc, int base, int cn, float shift) {
        FloatVector mv = FloatVector.broadcast(F, shift);
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < cn; j += L) {
            VectorMask<Float> msk = F.indexInRange(j, cn);
            FloatVector e = VMath.expNonPositive(FloatVector.fromArray(F, sc, base + j, msk).sub(mv));
            e.intoArray(sc, base + j, msk);
            sum = sum.add(e, msk);
        }
        return VMath.sum(sum);
    }
}
