package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.tensor.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous F32 loops of each {@link UnaryOp}, over native or heap (array-backed) segments. One
 * small method per op so that C2 inlines every vector call (a shared loop over a functional
 * interface would see many targets, stop inlining and box the vectors). Tails use masked vectors
 * so an element's result never depends on where it sits in a row.
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

    /** {@code dst[0..n) = op(src[0..n))} for F32 data at byte offsets {@code sb}, {@code db} (may alias exactly). */
    public static void apply(UnaryOp op, MemorySegment src, long sb, MemorySegment dst, long db, int n) {
        switch (op) {
            case GELU -> gelu(src, sb, dst, db, n);
            case GELU_TANH -> geluTanh(src, sb, dst, db, n);
            case QUICK_GELU -> quickGelu(src, sb, dst, db, n);
            case SILU -> silu(src, sb, dst, db, n);
            case SIGMOID -> sigmoid(src, sb, dst, db, n);
            case EXP -> exp(src, sb, dst, db, n);
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

    private static void gelu(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.gelu(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.gelu(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void geluTanh(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.geluTanh(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.geluTanh(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void quickGelu(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.quickGelu(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.quickGelu(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void silu(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.silu(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.silu(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void sigmoid(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.sigmoid(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.sigmoid(ld(s, sb, i, m)), d, db, i, m); }
    }

    private static void exp(MemorySegment s, long sb, MemorySegment d, long db, int n) {
        int i = 0;
        for (; i <= n - L; i += L) st(VMath.exp(ld(s, sb, i)), d, db, i);
        if (i < n) { VectorMask<Float> m = F.indexInRange(i, n); st(VMath.exp(ld(s, sb, i, m)), d, db, i, m); }
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
        for (int i = 0; i < n; i++) d.set(dev.codi4j.tensor.Numerics.F32, db + 4L * i, op.apply(s.get(dev.codi4j.tensor.Numerics.F32, sb + 4L * i)));
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
