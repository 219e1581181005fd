package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous F32 loops of each {@link UnaryOp}, over native or heap (array-backed) segments. One
 * small method per op so that C2 inlines every vector call (a shared loop over a functional
 * interface would see many targets, stop inlining and box the vectors). The transcendental ops run
 * on L1-sized float chunks with plain unmasked loops: GELU is big enough that one copy of it plus
 * masked memory-segment access exceeds C2's inlining node budget, after which C2 leaves vector
 * calls un-inlined on boxed vectors (several times slower). The cheap ops have an unmasked main
 * loop on the segments and a masked tail. An element's result never depends on where it sits.
 *
 * <p>TANH, LOG, SIN and COS use {@link Math} in double precision per element, exactly the
 * reference definition; they are not on any hot path of our models.
 */
public final class UnaryKernels {
    private UnaryKernels() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static FloatVector ld(MemorySegment s, long b, int i) { return FloatVector.fromMemorySegment(F, s, b + 4L * i, LE); }
    static FloatVector ld(MemorySegment s, long b, int i, VectorMask<Float> m) { return FloatVector.fromMemorySegment(F, s, b + 4L * i, LE, m); }
    static void st(FloatVector v, MemorySegment s, long b, int i) { v.intoMemorySegment(s, b + 4L * i, LE); }
    static void st(FloatVector v, MemorySegment s, long b, int i, VectorMask<Float> m) { v.intoMemorySegment(s, b + 4L * i, LE, m); }

    /** Ops computed on L1 chunk buffers (see the class comment). */
    static boolean buffered(UnaryOp op) {
        return switch (op) {
            case GELU, GELU_TANH, QUICK_GELU, SILU, SIGMOID, EXP -> true;
            default -> false;
        };
    }

    /** Room every chunk buffer needs past its data: loops run over whole vectors. */
    static final int PAD = 64;

    private static final int CHUNK = 1024;
    private static final ThreadLocal<float[]> CHUNKS = ThreadLocal.withInitial(() -> new float[CHUNK + PAD]);

    /**
     * {@code buf[0..n) = op(buf[0..n))} in place; the lanes up to the next whole vector are
     * computed too (and must exist: {@link #PAD} floats of room).
     */
    public static void applyInPlace(UnaryOp op, float[] buf, int n) {
        switch (op) {
            case GELU -> gelu(buf, n);
            case GELU_TANH -> geluTanh(buf, n);
            case QUICK_GELU -> quickGelu(buf, n);
            case SILU -> silu(buf, n);
            case SIGMOID -> sigmoid(buf, n);
            case EXP -> exp(buf, n);
            default -> { MemorySegment m = MemorySegment.ofArray(buf); apply(op, m, 0, m, 0, n); }
        }
    }

    /** {@code dst[0..n) = op(src[0..n))} for F32 data at byte offsets {@code sb}, {@code db} (may alias exactly). */
    public static void apply(UnaryOp op, MemorySegment src, long sb, MemorySegment dst, long db, int n) {
        switch (op) {
            case GELU, GELU_TANH, QUICK_GELU, SILU, SIGMOID, EXP -> {
                float[] buf = CHUNKS.get();
                for (int c = 0; c < n; c += CHUNK) {
                    int m = Math.min(CHUNK, n - c);
                    MemorySegment.copy(src, Numerics.F32, sb + 4L * c, buf, 0, m);
                    applyInPlace(op, buf, m);
                    MemorySegment.copy(buf, 0, dst, Numerics.F32, db + 4L * c, m);
                }
            }
            case RELU -> relu(src, sb, dst, db, n);
            case NEG -> neg(src, sb, dst, db, n);
            case ABS -> abs(src, sb, dst, db, n);
            case SQUARE -> square(src, sb, dst, db, n);
            case SQRT -> sqrt(src, sb, dst, db, n);
            case RSQRT -> rsqrt(src, sb, dst, db, n);
            case RECIPROCAL -> reciprocal(src, sb, dst, db, n);
            case TANH, LOG, SIN, COS -> scalar(op, src, sb, dst, db, n);
        }
    }

    private static void gelu(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.gelu(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void geluTanh(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.geluTanh(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void quickGelu(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.quickGelu(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void silu(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.silu(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void sigmoid(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.sigmoid(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void exp(float[] b, int n) {
        for (int i = 0; i < n; i += L) VMath.exp(FloatVector.fromArray(F, b, i)).intoArray(b, i);
    }

    private static void relu(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(ld(s, sb, i).max(0f), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(s, sb, i, m).max(0f), d, db, i, m); }
    }

    private static void neg(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(ld(s, sb, i).neg(), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(s, sb, i, m).neg(), d, db, i, m); }
    }

    private static void abs(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(ld(s, sb, i).abs(), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(s, sb, i, m).abs(), d, db, i, m); }
    }

    private static void square(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) { FloatVector x = ld(s, sb, i); st(x.mul(x), d, db, i); }
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); FloatVector x = ld(s, sb, i, m); st(x.mul(x), d, db, i, m); }
    }

    private static void sqrt(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(ld(s, sb, i).sqrt(), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(ld(s, sb, i, m).sqrt(), d, db, i, m); }
    }

    private static void rsqrt(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = 0;
        for (; i <= n - L; i += L) st(one.div(ld(s, sb, i).sqrt()), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(one.div(ld(s, sb, i, m).sqrt()), d, db, i, m); }
    }

    private static void reciprocal(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = 0;
        for (; i <= n - L; i += L) st(one.div(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(one.div(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void scalar(UnaryOp op, MemorySegment s, long sb, MemorySegment d, long db, int n) {
        for (int i = 0; i < n; i++) d.set(Numerics.F32, db + 4L * i, op.apply(s.get(Numerics.F32, sb + 4L * i)));
    }

    /** Relative cost of an op per element, for choosing how many elements justify another thread. */
    static int cost(UnaryOp op) {
        return switch (op) {
            case RELU, NEG, ABS, SQUARE -> 1;
            case SQRT, RSQRT, RECIPROCAL -> 2;
            case EXP, SIGMOID, SILU, QUICK_GELU, GELU_TANH -> 4;
            case GELU -> 8;
            case TANH, LOG, SIN, COS -> 32;
        };
    }
}
