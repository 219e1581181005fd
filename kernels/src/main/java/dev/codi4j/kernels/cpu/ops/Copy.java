package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * {@code copy} (any dtype to any dtype, strided and broadcast sources) and {@code fill}.
 *
 * <p>Paths, fastest first: same plain dtype with unit strides (bulk memory copy); F32 ↔ F16/BF16
 * and dequantisation through {@link RowIO}'s vector converters; quantisation of whole destination
 * rows ({@link Quant}); integer ↔ integer exactly through longs; everything else element by
 * element. Conversions are those of {@link dev.codi4j.tensor.Elements} and {@link Numerics}, so the
 * result is bit-identical to the reference backend, with one deliberate exception: a Q8_0/Q4_0
 * source copied to the same block type is copied block for block (the reference dequantises and
 * quantises again, which can move a scale by one f16 ulp).
 */
public final class Copy {
    private Copy() {}

    private static final long GRAIN = 1 << 16;

    public static void copy(Parallel pool, Tensor src, Tensor dst) {
        Tensor s = src.expand(dst.shape());
        DType st = s.dtype(), dt = dst.dtype();
        if (dt.isQuantized()) { quantizeInto(pool, s, dst); return; }
        Strided it = Strided.of(s, dst);
        MemorySegment ss = s.segment(), ds = dst.segment();
        long sst = it.innerStride(0), dst1 = it.innerStride(1);
        boolean ints = !st.isFloating() && !dt.isFloating();
        if (st == dt && !st.isQuantized()) {
            int es = st.blockBytes();
            if (sst != 1 && dst1 == 1 && it.numel() >= 4096 && Transpose.copy(pool, it, es, ss, ds)) return;
            it.run(pool, GRAIN, (so, dof, unused, n) -> sameType(es, ss, so, sst, ds, dof, dst1, n));
        } else if (ints) {
            it.run(pool, GRAIN, (so, dof, unused, n) -> {
                for (int i = 0; i < n; i++) RowIO.setLong(dt, ds, dof + i * dst1, RowIO.getLong(st, ss, so + i * sst));
            });
        } else {
            it.run(pool, GRAIN, (so, dof, unused, n) -> {
                float[] buf = Elementwise.buffers()[0];
                for (int c = 0; c < n; c += Elementwise.CHUNK) {
                    int m = Math.min(Elementwise.CHUNK, n - c);
                    RowIO.load(st, ss, so + c * sst, sst, m, buf, 0);
                    RowIO.store(buf, 0, dt, ds, dof + c * dst1, dst1, m);
                }
            });
        }
    }

    private static void sameType(int es, MemorySegment ss, long so, long sst, MemorySegment ds, long dof, long dstr, int n) {
        if (sst == 1 && dstr == 1) { MemorySegment.copy(ss, so * es, ds, dof * es, (long) n * es); return; }
        switch (es) {
            case 4 -> { for (int i = 0; i < n; i++) ds.set(Numerics.I32, (dof + i * dstr) * 4, ss.get(Numerics.I32, (so + i * sst) * 4)); }
            case 2 -> { for (int i = 0; i < n; i++) ds.set(Numerics.I16, (dof + i * dstr) * 2, ss.get(Numerics.I16, (so + i * sst) * 2)); }
            case 8 -> { for (int i = 0; i < n; i++) ds.set(Numerics.I64, (dof + i * dstr) * 8, ss.get(Numerics.I64, (so + i * sst) * 8)); }
            default -> { for (int i = 0; i < n; i++) ds.set(ValueLayout.JAVA_BYTE, dof + i * dstr, ss.get(ValueLayout.JAVA_BYTE, so + i * sst)); }
        }
    }

    /** Quantises whole rows of the destination's last dimension (which holds whole blocks). */
    private static void quantizeInto(Parallel pool, Tensor s, Tensor dst) {
        DType dt = dst.dtype();
        int n = dst.dim(-1);
        int[] lead = Arrays.copyOf(dst.shape(), dst.rank() - 1);
        long[] sl = Arrays.copyOf(s.strides(), s.rank() - 1), dl = Arrays.copyOf(dst.strides(), dst.rank() - 1);
        Strided rows = Strided.coalesce(lead, new long[][] {sl, dl, dl}, new long[] {s.offset(), dst.offset(), dst.offset()});
        long sInner = s.stride(-1);
        MemorySegment ss = s.segment(), ds = dst.segment();
        DType st = s.dtype();
        boolean raw = st == dt && sInner == 1;
        long grainRows = Math.max(1, GRAIN / 4 / Math.max(1, n));
        rows.run(pool, grainRows, (so, dof, unused, count) -> {
            long rs = rows.innerStride(0), rd = rows.innerStride(1);
            float[] buf = raw ? null : new float[n];
            for (int r = 0; r < count; r++) {
                long sOff = so + r * rs, dOff = dof + r * rd;
                if (raw) {
                    MemorySegment.copy(ss, sOff / 32 * dt.blockBytes(), ds, dOff / 32 * dt.blockBytes(), (long) n / 32 * dt.blockBytes());
                } else {
                    RowIO.load(st, ss, sOff, sInner, n, buf, 0);
                    Quant.quantize(dt, buf, 0, n / 32, ds, dOff / 32 * dt.blockBytes());
                }
            }
        });
    }

    public static void fill(Parallel pool, Tensor dst, float value) {
        DType dt = dst.dtype();
        if (dt.isQuantized()) {
            // every block of a constant row quantises to the same bytes
            Tensor one = Tensor.fromFloats(new float[] {value});
            copy(pool, one.expand(dst.shape()), dst);
            return;
        }
        // encode one element exactly as a single-element store would
        MemorySegment cell = MemorySegment.ofArray(new byte[8]);
        RowIO.set(dt, cell, 0, value);
        int es = dt.blockBytes();
        Strided it = Strided.of(dst);
        MemorySegment ds = dst.segment();
        long stride = it.innerStride(0);
        long bits = switch (es) {
            case 1 -> cell.get(ValueLayout.JAVA_BYTE, 0);
            case 2 -> cell.get(Numerics.I16, 0);
            case 4 -> cell.get(Numerics.I32, 0);
            default -> cell.get(Numerics.I64, 0);
        };
        it.run(pool, GRAIN * 4, (o, unused1, unused2, n) -> {
            if (stride == 1) {
                MemorySegment row = ds.asSlice(o * es, (long) n * es);
                if (es == 1 || bits == 0) { row.fill((byte) bits); return; }
                switch (es) {
                    case 2 -> { for (int i = 0; i < n; i++) row.setAtIndex(Numerics.I16, i, (short) bits); }
                    case 4 -> { for (int i = 0; i < n; i++) row.setAtIndex(Numerics.I32, i, (int) bits); }
                    default -> { for (int i = 0; i < n; i++) row.setAtIndex(Numerics.I64, i, bits); }
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                long at = (o + i * stride) * es;
                switch (es) {
                    case 1 -> ds.set(ValueLayout.JAVA_BYTE, at, (byte) bits);
                    case 2 -> ds.set(Numerics.I16, at, (short) bits);
                    case 4 -> ds.set(Numerics.I32, at, (int) bits);
                    default -> ds.set(Numerics.I64, at, bits);
                }
            }
        });
    }

    static void requireHost(Tensor t, String what) {
        if (t != null && !t.device().isHost()) throw new ShapeException(what + ": tensor on " + t.device() + " given to the CPU backend; move it with toHost() first");
    }
}
