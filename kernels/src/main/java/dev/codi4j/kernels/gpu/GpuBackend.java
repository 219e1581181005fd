package dev.codi4j.kernels.gpu;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Shapes;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The op interface on a GPU, shared by the OpenCL and CUDA backends: shape checks, layouts and kernel
 * launches live here, the API calls behind a {@link GpuRuntime}. Tensors stay on the device between
 * ops (weights in their stored dtype); only {@link #toDevice}, {@link #toHost} and {@link
 * #synchronize} cross to the host.
 *
 * <p>Kernels take (buffer, element offset, element strides) for each tensor, so views need no
 * copies; where a kernel needs a simpler layout (rows with one stride, contiguous convolution input)
 * a device-side copy is made first. Outputs that are not F32, not in a usable layout, or that alias
 * an input of a non-element-wise op are computed into a temporary and copied.
 *
 * <p>Host tensors given as inputs or outputs are accepted, not refused: they are copied to or from
 * the device around the op, with a warning (once per argument) that names them, because models
 * that keep a tensor on the host would otherwise fail outright on a GPU.
 *
 * <p>Errors the kernels cannot raise (an embedding id outside the vocabulary) are recorded on the
 * device and thrown, as a {@link ShapeException}, by the next {@link #toHost} or {@link #synchronize}.
 *
 * <p>One thread at a time per instance, like the CPU backends.
 */
public class GpuBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(GpuBackend.class);
    private static final int EW_WG = 256, ROW_WG = 256;
    private static final int GEMV_MAX_ROWS = 8;
    private static final int ATT_BQ = 16, ATT_WG = 128, ATT_DMAX = 256, ATT_DV_CHUNK = 256, ATT_KV_LOCAL = 2048, ATT_BK_MAX = 64;

    static final KernelRef COPY_F = new KernelRef("elementwise.cl", "copy_f");
    static final KernelRef COPY_L = new KernelRef("elementwise.cl", "copy_l");
    static final KernelRef FILL = new KernelRef("elementwise.cl", "fill");
    static final KernelRef UNARY = new KernelRef("elementwise.cl", "unary");
    static final KernelRef BINARY = new KernelRef("elementwise.cl", "binary");
    static final KernelRef AFFINE = new KernelRef("elementwise.cl", "affine");
    static final KernelRef GATED = new KernelRef("elementwise.cl", "gated");
    static final KernelRef QUANTIZE = new KernelRef("elementwise.cl", "quantize");
    static final KernelRef SOFTMAX = new KernelRef("rows.cl", "softmax");
    static final KernelRef LAYER_NORM = new KernelRef("rows.cl", "layer_norm");
    static final KernelRef RMS_NORM = new KernelRef("rows.cl", "rms_norm");
    static final KernelRef GN_STATS = new KernelRef("rows.cl", "group_norm_stats");
    static final KernelRef GN_APPLY = new KernelRef("rows.cl", "group_norm_apply");
    static final KernelRef REDUCE_ROWS = new KernelRef("rows.cl", "reduce_rows");
    static final KernelRef REDUCE_MID = new KernelRef("rows.cl", "reduce_mid");
    static final KernelRef ARGMAX = new KernelRef("rows.cl", "argmax");
    static final KernelRef ROPE = new KernelRef("rows.cl", "rope");
    static final KernelRef EMBEDDING = new KernelRef("rows.cl", "embedding");
    static final KernelRef UPSAMPLE = new KernelRef("rows.cl", "upsample_nearest");
    static final KernelRef MATMUL = new KernelRef("gemm.cl", "matmul");
    static final KernelRef LINEAR_GEMM = new KernelRef("gemm.cl", "linear_gemm");
    static final KernelRef CONV = new KernelRef("gemm.cl", "conv");
    static final KernelRef ATTENTION = new KernelRef("attention.cl", "attention");
    static final KernelRef ATTENTION_COMBINE = new KernelRef("attention.cl", "attention_combine");

    /** The kernel {@code name} of a program specialised for weight dtype {@code w}. */
    static KernelRef weightKernel(String file, String name, DType w) {
        return new KernelRef(file, Map.of("W_DT", Integer.toString(w.ordinal())), name);
    }

    private final String name;
    protected final GpuRuntime rt;
    private final MemoryPool pool;
    private final long errorFlag; // 4 ints: flag, bad id, vocabulary size, spare
    private final Map<String, Tensor> invFreqCache = new HashMap<>();
    private final Map<DType, KernelRef> gemvKernels = new HashMap<>();
    private int forcedAttentionSplits;
    private boolean closed;

    protected GpuBackend(String name, GpuRuntime runtime) {
        this.name = name;
        this.rt = runtime;
        this.pool = new MemoryPool(runtime, Math.max(256L << 20, runtime.totalMemory() / 4));
        this.errorFlag = runtime.allocate(16);
        try (Arena a = Arena.ofConfined()) { rt.write(errorFlag, 0, a.allocate(16), 16); }
    }

    @Override public String name() { return name; }

    @Override public Device device() { return rt.device(); }

    /** The device and driver, for logs. */
    public String description() { return rt.description(); }

    public GpuRuntime runtime() { return rt; }

    /** Bytes held by live device tensors of this backend. */
    public long liveBytes() { return pool.liveBytes(); }

    /** Highest {@link #liveBytes()} so far. */
    public long peakBytes() { return pool.peakBytes(); }

    // ---- memory ---------------------------------------------------------------------------

    @Override public Tensor empty(DType dtype, int... shape) {
        long bytes = dtype.byteSize(Tensor.numel(shape));
        long[] b = pool.allocate(bytes);
        GpuStorage s = new GpuStorage(this, pool, b[0], b[1], bytes);
        Scope.register(s);
        return Tensor.of(s, dtype, 0, shape);
    }

    @Override public Tensor toDevice(Tensor host) {
        if (host.storage() instanceof GpuStorage g) {
            if (g.owner() == this) return host;
            throw new ShapeException("toDevice: " + host.describe() + " lives on another GPU backend instance (" + g.owner().device()
                    + "); copy it to the host with that backend's toHost first");
        }
        if (!host.device().isHost()) throw new ShapeException("toDevice: cannot move a tensor from " + host.device() + " to " + device());
        Tensor src = host.isContiguous() ? host : Backends.forDevice(Device.CPU).contiguous(host);
        Tensor dev = empty(src.dtype(), src.shape());
        if (src.byteSize() > 0) rt.write(handle(dev), 0, src.segment().asSlice(src.byteOffset(), src.byteSize()), src.byteSize());
        return dev;
    }

    @Override public Tensor toHost(Tensor t) {
        if (t.device().isHost()) return t;
        storage(t, "toHost");
        Tensor src = t.isContiguous() ? t : contiguous(t);
        Tensor host = Tensor.allocate(t.dtype(), t.shape());
        if (host.byteSize() > 0) {
            long off = src.dtype().isQuantized() ? src.offset() / 32 * src.dtype().blockBytes() : src.offset() * src.dtype().blockBytes();
            rt.read(handle(src), off, host.segment().asSlice(host.byteOffset(), host.byteSize()), host.byteSize());
        } else {
            rt.finish();
        }
        if (src != t) src.close();
        checkDeviceErrors();
        return host;
    }

    @Override public void synchronize() {
        rt.finish();
        checkDeviceErrors();
    }

    private void checkDeviceErrors() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(16);
            rt.read(errorFlag, 0, s, 16);
            if (s.get(ValueLayout.JAVA_INT, 0) != 0) {
                int id = s.get(ValueLayout.JAVA_INT, 4), v = s.get(ValueLayout.JAVA_INT, 8);
                rt.write(errorFlag, 0, a.allocate(16), 16);
                throw new ShapeException("embedding: id " + id + " is outside the vocabulary of " + v
                        + " (found on " + device() + " at this synchronisation; the embedding rows of bad ids were written as zeros)");
            }
        }
    }

    /** Sets how many work-groups attention splits its keys over (0 = automatic); for tests of both paths. */
    public void forceAttentionSplits(int splits) { this.forcedAttentionSplits = splits; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            rt.finish();
        } finally {
            for (Tensor t : invFreqCache.values()) t.close();
            invFreqCache.clear();
            pool.close();
            rt.free(errorFlag);
            rt.close();
        }
    }

    // ---- validation, host tensors, temporaries ------------------------------------------------

    GpuStorage storage(Tensor t, String what) {
        if (t.storage() instanceof GpuStorage g) {
            if (g.owner() != this) throw new ShapeException(what + ": " + t.describe() + " belongs to another " + g.owner().name()
                    + " backend instance; its memory lives in another context");
            return g;
        }
        throw new ShapeException(what + ": " + t.describe() + " is on " + t.device() + " but the " + name + " backend computes on "
                + device() + "; move it there with backend.toDevice(tensor)");
    }

    /** The device buffer of a tensor of this backend (for subclasses that launch their own kernels). */
    protected long handle(Tensor t) { return storage(t, "argument").handle(); }

    private final java.util.Set<String> warnedHostUse = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void warnHost(String what, Tensor t) {
        if (warnedHostUse.add(what))
            LOG.warn("{}: {} is a host tensor ({}); it is copied to {} on every call. Move it there once with backend.toDevice "
                    + "to keep the computation on the device (warned once per argument)", name, what, t.describe(), device());
    }

    private static Backend host() { return Backends.forDevice(Device.CPU); }

    /**
     * The temporaries of one op call: device copies of host inputs, converted inputs, and outputs
     * computed elsewhere ({@link #out}) and copied into the caller's tensor at {@link #close()}.
     */
    private final class Call implements AutoCloseable {
        private final List<Tensor> temps = new ArrayList<>();
        private Tensor pendingFrom, pendingTo;

        /** t on this device: itself, or a device copy of a host tensor. */
        Tensor in(Tensor t, String what) {
            if (t == null) return null;
            if (t.storage() instanceof GpuStorage) { storage(t, what); return t; }
            if (!t.device().isHost()) throw new ShapeException(what + ": " + t.describe() + " is on " + t.device() + ", not on " + device());
            warnHost(what, t);
            return temp(toDevice(t));
        }

        /** {@link #in} converted to F32 (the dtype the compute kernels read). */
        Tensor f32(Tensor t, String what) {
            Tensor d = in(t, what);
            return d == null || d.dtype() == DType.F32 ? d : temp(copyOf(d, DType.F32));
        }

        /** {@link #f32} made contiguous when {@code contiguous}. */
        Tensor f32(Tensor t, String what, boolean contiguous) {
            Tensor d = f32(t, what);
            return !contiguous || d.isContiguous() ? d : temp(contiguous(d));
        }

        Tensor temp(Tensor t) {
            temps.add(t);
            return t;
        }

        /**
         * Where a kernel writes out: out itself when it is a device tensor of dtype {@code dtype} that
         * {@code usable} accepts, else a contiguous device temporary copied into out at close.
         */
        Tensor out(Tensor out, DType dtype, java.util.function.Predicate<Tensor> usable) {
            if (out.storage() instanceof GpuStorage) {
                storage(out, "out");
                if (out.dtype() == dtype && usable.test(out)) return out;
            } else if (!out.device().isHost()) {
                throw new ShapeException("out: " + out.describe() + " is on " + out.device() + ", not on " + device());
            } else {
                warnHost("out", out);
            }
            pendingFrom = temp(empty(dtype, out.shape()));
            pendingTo = out;
            return pendingFrom;
        }

        Tensor out(Tensor out, java.util.function.Predicate<Tensor> usable) { return out(out, DType.F32, usable); }

        @Override public void close() {
            try {
                if (pendingFrom != null) {
                    if (pendingTo.storage() instanceof GpuStorage) copy(pendingFrom, pendingTo);
                    else try (Tensor h = toHost(pendingFrom)) { host().copy(h, pendingTo); }
                }
            } finally {
                for (Tensor t : temps) t.close();
            }
        }
    }

    private static boolean aliases(Tensor out, Tensor... ins) {
        for (Tensor t : ins) if (t != null && t.storage() == out.storage()) return true;
        return false;
    }

    private static boolean sameLayout(Tensor a, Tensor b) {
        return a.offset() == b.offset() && Arrays.equals(a.strides(), b.strides()) && Arrays.equals(a.shape(), b.shape());
    }

    private static long groups(long n, int wg) { return (n + wg - 1) / wg * wg; }

    private static int cdiv(long a, int b) { return (int) ((a + b - 1) / b); }

    private static int[] concat(int[] a, int... b) {
        int[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    // ---- copy and fill ------------------------------------------------------------------------

    @Override public void copy(Tensor src, Tensor dst) {
        if (src.device().isHost() && dst.device().isHost()) { host().copy(src, dst); return; }
        if (dst.numel() == 0) return;
        try (Call c = new Call()) {
            Tensor s = c.in(src, "copy src").expand(dst.shape());
            Tensor d = c.out(dst, dst.dtype(), t -> true);
            if (d.dtype().isQuantized()) {
                elementwise(QUANTIZE, d.shape(), new Tensor[] {s, d}, null, d.numel() / 32);
            } else if (s.dtype() == d.dtype() && s.isContiguous() && d.isContiguous()) {
                long es = d.dtype().blockBytes();
                if (s.storage() != d.storage() || s.offset() != d.offset())
                    rt.copy(handle(s), s.offset() * es, handle(d), d.offset() * es, d.byteSize());
            } else {
                boolean ints = !s.dtype().isFloating() && !d.dtype().isFloating();
                elementwise(ints ? COPY_L : COPY_F, d.shape(), new Tensor[] {s, d}, null, d.numel());
            }
        }
    }

    @Override public void fill(Tensor dst, float value) {
        if (dst.device().isHost()) { host().fill(dst, value); return; }
        storage(dst, "fill");
        if (dst.numel() == 0) return;
        if (dst.dtype().isQuantized()) {
            Tensor v = toDevice(Tensor.scalar(value));
            copy(v, dst);
            v.close();
            return;
        }
        elementwise(FILL, dst.shape(), new Tensor[] {dst}, a -> a.f32(value), dst.numel());
    }

    // ---- element-wise -----------------------------------------------------------------------

    @Override public void unary(UnaryOp op, Tensor x, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        try (Call c = new Call()) {
            Tensor o = c.out(out, out.dtype(), t -> true);
            elementwise(UNARY, out.shape(), new Tensor[] {c.in(x, "unary x"), o}, a -> a.i32(op.ordinal()), out.numel());
        }
    }

    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (!Arrays.equals(shape, out.shape())) throw new ShapeException("binary " + op + ": out " + out.describe() + " should be " + Arrays.toString(shape));
        try (Call c = new Call()) {
            Tensor o = c.out(out, out.dtype(), t -> true);
            Tensor[] ts = {c.in(a, "binary a").expand(shape), c.in(b, "binary b").expand(shape), o};
            elementwise(BINARY, shape, ts, k -> k.i32(op.ordinal()), out.numel());
        }
    }

    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        try (Call c = new Call()) {
            Tensor o = c.out(out, out.dtype(), t -> true);
            elementwise(AFFINE, out.shape(), new Tensor[] {c.in(x, "affine x"), o}, a -> a.f32(alpha).f32(beta), out.numel());
        }
    }

    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) {
        Shapes.requireSameShape(gate, "gate", out, "out");
        Shapes.requireSameShape(up, "up", out, "out");
        try (Call c = new Call()) {
            Tensor o = c.out(out, out.dtype(), t -> true);
            elementwise(GATED, out.shape(), new Tensor[] {c.in(gate, "gated gate"), c.in(up, "gated up"), o}, a -> a.i32(act.ordinal()), out.numel());
        }
    }

    /**
     * Launches an element kernel over {@code shape}: args are (total, 6 dims, then per tensor buffer,
     * dtype, offset, 6 strides, then {@code extra}). Shapes that stay above 6 dimensions after
     * collapsing are split on the host along their outermost dimension.
     */
    private void elementwise(KernelRef k, int[] shape, Tensor[] ts, Consumer<KernelArgs> extra, long items) {
        if (items == 0) return;
        long[][] strides = new long[ts.length][];
        long[] offsets = new long[ts.length];
        long[] handles = new long[ts.length];
        for (int i = 0; i < ts.length; i++) {
            strides[i] = ts[i].strides();
            offsets[i] = ts[i].offset();
            handles[i] = storage(ts[i], k.name()).handle();
        }
        Layouts.Collapsed c = Layouts.collapse(shape, strides);
        long perItem = Tensor.numel(shape) / items; // 32 for the quantize kernel (items are blocks)
        elementwise(k, c.dims(), c.strides(), offsets, handles, ts, extra, perItem);
    }

    private void elementwise(KernelRef k, int[] dims, long[][] strides, long[] offsets, long[] handles, Tensor[] ts,
                             Consumer<KernelArgs> extra, long perItem) {
        if (dims.length > 6) {
            int[] inner = Arrays.copyOfRange(dims, 1, dims.length);
            long[][] st = new long[strides.length][];
            for (int t = 0; t < strides.length; t++) st[t] = Arrays.copyOfRange(strides[t], 1, dims.length);
            for (int i = 0; i < dims[0]; i++) {
                long[] off = offsets.clone();
                for (int t = 0; t < off.length; t++) off[t] += i * strides[t][0];
                elementwise(k, inner, st, off, handles, ts, extra, perItem);
            }
            return;
        }
        long total = 1;
        for (int d : dims) total *= d;
        long items = total / perItem;
        KernelArgs a = new KernelArgs().i64(items);
        int pad = 6 - dims.length;
        for (int i = 0; i < 6; i++) a.i32(i < pad ? 1 : dims[i - pad]);
        for (int t = 0; t < ts.length; t++) {
            a.buf(handles[t]).i32(ts[t].dtype().ordinal()).i64(offsets[t]);
            for (int i = 0; i < 6; i++) a.i64(i < pad ? 0 : strides[t][i - pad]);
        }
        if (extra != null) extra.accept(a);
        rt.launch(k, new long[] {groups(items, EW_WG)}, new int[] {EW_WG}, a);
    }

    // ---- linear algebra ---------------------------------------------------------------------

    @Override public void matmul(Tensor a, Tensor b, Tensor out) {
        int[] batch = Shapes.requireMatmul(a, b, out);
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (out.numel() == 0) return;
        try (Call c = new Call()) {
            Tensor af = c.f32(a, "matmul a"), bf = c.f32(b, "matmul b");
            Tensor o = c.out(out, t -> !aliases(t, af, bf));
            if (k == 0) fill(o, 0);
            else matmulBatches(af.expand(concat(batch, m, k)), bf.expand(concat(batch, k, n)), o, batch);
        }
    }

    private void matmulBatches(Tensor a, Tensor b, Tensor o, int[] batch) {
        int nb = batch.length;
        long[][] st = new long[3][nb];
        for (int i = 0; i < nb; i++) { st[0][i] = a.stride(i); st[1][i] = b.stride(i); st[2][i] = o.stride(i); }
        Layouts.Collapsed c = Layouts.collapse(batch, st);
        int[] dims = c.dims();
        long[][] bs = c.strides();
        // at most 2 batch dimensions per launch; more are looped here
        int loop = Math.max(0, dims.length - 2);
        int[] outer = Arrays.copyOf(dims, loop);
        long count = Tensor.numel(outer);
        long[] idx = new long[loop];
        for (long it = 0; it < count; it++) {
            long ao = a.offset(), bo = b.offset(), oo = o.offset();
            for (int d = 0; d < loop; d++) { ao += idx[d] * bs[0][d]; bo += idx[d] * bs[1][d]; oo += idx[d] * bs[2][d]; }
            int nb0 = dims.length - loop >= 2 ? dims[loop] : 1;
            int nb1 = dims.length - loop >= 1 ? dims[dims.length - 1] : 1;
            long[] s0 = dims.length - loop >= 2 ? new long[] {bs[0][loop], bs[1][loop], bs[2][loop]} : new long[3];
            long[] s1 = dims.length - loop >= 1 ? new long[] {bs[0][dims.length - 1], bs[1][dims.length - 1], bs[2][dims.length - 1]} : new long[3];
            launchMatmul(a, b, o, ao, bo, oo, nb0, nb1, s0, s1);
            for (int d = loop - 1; d >= 0; d--) { if (++idx[d] < outer[d]) break; idx[d] = 0; }
        }
    }

    private void launchMatmul(Tensor a, Tensor b, Tensor o, long ao, long bo, long oo, int nb0, int nb1, long[] s0, long[] s1) {
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        long total = (long) nb0 * nb1;
        for (long z0 = 0; z0 < total; z0 += 65535) {
            int zn = (int) Math.min(65535, total - z0);
            KernelArgs args = new KernelArgs()
                    .buf(handle(a)).i64(ao).i64(s0[0]).i64(s1[0]).i64(a.stride(-2)).i64(a.stride(-1))
                    .buf(handle(b)).i64(bo).i64(s0[1]).i64(s1[1]).i64(b.stride(-2)).i64(b.stride(-1))
                    .buf(handle(o)).i64(oo).i64(s0[2]).i64(s1[2]).i64(o.stride(-2)).i64(o.stride(-1))
                    .i32(nb1).i32((int) z0).i32(m).i32(n).i32(k).bool(a.stride(-1) == 1).bool(b.stride(-2) == 1);
            rt.launch(MATMUL, new long[] {cdiv(n, 64) * 16L, cdiv(m, 64) * 16L, zn}, new int[] {16, 16, 1}, args);
        }
    }

    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        int k = x.dim(-1), n = w.dim(0);
        if (w.rank() != 2 || w.dim(1) != k) throw new ShapeException("linear: weight " + w.describe() + " does not fit input " + x.describe() + " (expected (N, " + k + "))");
        if (!w.dtype().isFloating()) throw new ShapeException("linear: weight dtype " + w.dtype() + " is not a floating type");
        if (bias != null) Shapes.requireShape(bias, "linear bias", n);
        int[] os = x.shape();
        os[os.length - 1] = n;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("linear out " + out.describe() + " should be " + Arrays.toString(os));
        long rows = Layouts.leadingCount(x, 1);
        if (rows == 0 || n == 0) return;
        try (Call c = new Call()) {
            Tensor xf = c.f32(x, "linear x");
            if (Layouts.leadingStride(xf, 1) == null || (k > 1 && xf.stride(-1) != 1)) xf = c.temp(contiguous(xf));
            Tensor wd = c.in(w, "linear weight");
            Tensor wc = wd.stride(1) == 1 || k == 1 ? wd : c.temp(contiguous(wd));
            Tensor bf = c.f32(bias, "linear bias");
            Tensor xin = xf;
            Tensor o = c.out(out, t -> Layouts.leadingStride(t, 1) != null && (n == 1 || t.stride(-1) == 1) && !aliases(t, xin, wc, bf));
            if (k == 0) {
                if (bf != null) copy(bf, o); else fill(o, 0);
            } else {
                runLinear(xf, Layouts.leadingStride(xf, 1), wc, bf, o, Layouts.leadingStride(o, 1), (int) rows, n, k);
            }
        }
    }

    /**
     * Runs out (rows, n) = x (rows, k) · wᵀ + bias with row strides xrs / ors (unit column strides).
     * Backends override this to use device-specific kernels (tensor cores) and fall back here.
     */
    protected void runLinear(Tensor x, long xrs, Tensor w, Tensor bias, Tensor o, long ors, int rows, int n, int k) {
        boolean gemv = rows <= GEMV_MAX_ROWS;
        KernelArgs a = new KernelArgs().buf(handle(x)).i64(x.offset()).i64(xrs).buf(handle(w));
        if (!gemv) a.i32(w.dtype().ordinal());
        a.i64(w.offset()).i64(w.stride(0));
        vec(a, bias);
        a.buf(handle(o)).i64(o.offset()).i64(ors).i32(rows).i32(n).i32(k);
        if (gemv) {
            KernelRef kernel = gemvKernels.computeIfAbsent(w.dtype(), d -> weightKernel("gemv.cl", "linear_gemv", d));
            rt.launch(kernel, new long[] {(long) n * 128}, new int[] {128}, a);
        } else {
            rt.launch(LINEAR_GEMM, new long[] {cdiv(n, 64) * 16L, cdiv(rows, 64) * 16L}, new int[] {16, 16}, a.bool(true).bool(true));
        }
    }

    // ---- normalisation and positions --------------------------------------------------------

    /** Runs a row kernel: x and out viewed as (rows, n) with one row stride each. */
    private interface RowLaunch { void run(Tensor x, long xrs, Tensor o, long ors, long rows, int n); }

    private void rows(Tensor x, Tensor out, String what, Call c, RowLaunch launch) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() == 0) throw new ShapeException(what + " needs at least one dimension, got a scalar");
        long rows = Layouts.leadingCount(x, 1);
        int n = x.dim(-1);
        if (rows == 0 || n == 0) return;
        Tensor xf = c.f32(x, what + " x");
        if (Layouts.leadingStride(xf, 1) == null) xf = c.temp(contiguous(xf));
        Tensor xin = xf;
        Tensor o = c.out(out, t -> Layouts.leadingStride(t, 1) != null && (!aliases(t, xin) || sameLayout(t, xin)));
        launch.run(xf, Layouts.leadingStride(xf, 1), o, Layouts.leadingStride(o, 1), rows, n);
    }

    private void rowLaunch(KernelRef k, long rows, KernelArgs a) {
        if (rows > Integer.MAX_VALUE) throw new ShapeException(k.name() + ": " + rows + " rows exceed one launch (2^31 - 1 work-groups)");
        rt.launch(k, new long[] {rows * ROW_WG}, new int[] {ROW_WG}, a);
    }

    @Override public void softmax(Tensor x, Tensor out) {
        try (Call c = new Call()) {
            rows(x, out, "softmax", c, (xf, xrs, o, ors, rows, n) -> rowLaunch(SOFTMAX, rows, new KernelArgs()
                    .buf(handle(xf)).i64(xf.offset()).i64(xrs).i64(xf.stride(-1))
                    .buf(handle(o)).i64(o.offset()).i64(ors).i64(o.stride(-1)).i32(n)));
        }
    }

    private Tensor vector(Call c, Tensor t, int n, String what) {
        if (t == null) return null;
        Shapes.requireShape(t, what, n);
        return c.f32(t, what);
    }

    private KernelArgs vec(KernelArgs a, Tensor v) {
        return v == null ? a.buf(0).i64(0).i64(0).bool(false) : a.buf(handle(v)).i64(v.offset()).i64(v.stride(0)).bool(true);
    }

    @Override public void layerNorm(Tensor x, Tensor weight, Tensor bias, float eps, Tensor out) {
        int d = x.rank() == 0 ? 1 : x.dim(-1);
        try (Call c = new Call()) {
            Tensor w = vector(c, weight, d, "layerNorm weight"), b = vector(c, bias, d, "layerNorm bias");
            rows(x, out, "layerNorm", c, (xf, xrs, o, ors, rows, n) -> {
                KernelArgs a = new KernelArgs().buf(handle(xf)).i64(xf.offset()).i64(xrs).i64(xf.stride(-1));
                vec(a, w);
                vec(a, b);
                rowLaunch(LAYER_NORM, rows, a.buf(handle(o)).i64(o.offset()).i64(ors).i64(o.stride(-1)).i32(n).f32(eps));
            });
        }
    }

    @Override public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        int d = x.rank() == 0 ? 1 : x.dim(-1);
        try (Call c = new Call()) {
            Tensor w = vector(c, weight, d, "rmsNorm weight");
            rows(x, out, "rmsNorm", c, (xf, xrs, o, ors, rows, n) -> {
                KernelArgs a = new KernelArgs().buf(handle(xf)).i64(xf.offset()).i64(xrs).i64(xf.stride(-1));
                vec(a, w);
                rowLaunch(RMS_NORM, rows, a.buf(handle(o)).i64(o.offset()).i64(ors).i64(o.stride(-1)).i32(n).f32(eps));
            });
        }
    }

    @Override public void groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, float eps, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 2) throw new ShapeException("groupNorm needs (N, C, ...), got " + x.describe());
        int nb = x.dim(0), ch = x.dim(1);
        if (groups <= 0 || ch % groups != 0) throw new ShapeException("groupNorm: " + ch + " channels do not split into " + groups + " groups");
        long total = x.numel();
        try (Call c = new Call()) {
            Tensor w = vector(c, weight, ch, "groupNorm weight"), b = vector(c, bias, ch, "groupNorm bias");
            if (total == 0) return;
            Tensor xf = c.f32(x, "groupNorm x", true);
            long spatial = total / ((long) nb * ch);
            int cg = ch / groups;
            Tensor stats = c.temp(empty(DType.F32, nb * groups, 2));
            rowLaunch(GN_STATS, (long) nb * groups, new KernelArgs().buf(handle(xf)).i64(xf.offset()).i64(cg * spatial).f32(eps).buf(handle(stats)));
            Tensor o = c.out(out, Tensor::isContiguous);
            KernelArgs a = new KernelArgs().i64(total).buf(handle(xf)).i64(xf.offset()).buf(handle(stats));
            vec(a, w);
            vec(a, b);
            a.buf(handle(o)).i64(o.offset()).i32(ch).i64(spatial).i32(cg);
            rt.launch(GN_APPLY, new long[] {groups(total, EW_WG)}, new int[] {EW_WG}, a);
        }
    }

    @Override public void rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out) {
        Shapes.requireSameShape(x, "x", out, "out");
        if (x.rank() < 3) throw new ShapeException("rope needs x (..., S, H, D), got " + x.describe());
        int s = x.dim(-3), h = x.dim(-2), d = x.dim(-1);
        if (rotaryDim > d || rotaryDim % 2 != 0 || rotaryDim < 0) throw new ShapeException("rope: rotary dim " + rotaryDim + " must be even and ≤ head dim " + d);
        Shapes.requireShape(positions, "rope positions", s);
        if (positions.dtype() != DType.I32 && positions.dtype() != DType.I64) throw new ShapeException("rope positions must be I32 or I64, got " + positions.dtype());
        if (x.numel() == 0) return;
        long lead = Layouts.leadingCount(x, 3);
        try (Call c = new Call()) {
            Tensor pos = c.in(positions, "rope positions");
            Tensor xf = c.f32(x, "rope x");
            if (Layouts.leadingStride(xf, 3) == null) xf = c.temp(contiguous(xf));
            Tensor xin = xf;
            Tensor o = c.out(out, t -> Layouts.leadingStride(t, 3) != null && (!aliases(t, xin) || sameLayout(t, xin)));
            boolean copyRest = rotaryDim < d && !(o.storage() == xf.storage() && sameLayout(o, xf));
            int width = Math.max(rotaryDim / 2, copyRest ? d - rotaryDim : 0);
            if (width == 0) return;
            Tensor inv = invFreq(rotaryDim, theta);
            long total = lead * s * h * width;
            KernelArgs a = new KernelArgs().i64(total)
                    .buf(handle(xf)).i64(xf.offset()).i64(Layouts.leadingStride(xf, 3)).i64(xf.stride(-3)).i64(xf.stride(-2)).i64(xf.stride(-1))
                    .buf(handle(o)).i64(o.offset()).i64(Layouts.leadingStride(o, 3)).i64(o.stride(-3)).i64(o.stride(-2)).i64(o.stride(-1))
                    .buf(handle(pos)).i32(pos.dtype().ordinal()).i64(pos.offset()).i64(pos.stride(0))
                    .buf(inv == null ? 0 : handle(inv))
                    .i32(s).i32(h).i32(d).i32(rotaryDim).i32(width).bool(interleaved).bool(copyRest);
            rt.launch(ROPE, new long[] {groups(total, EW_WG)}, new int[] {EW_WG}, a);
        }
    }

    /** HF's inverse frequencies (computed in float exactly as the reference does), cached on the device. */
    private Tensor invFreq(int rotaryDim, double theta) {
        if (rotaryDim == 0) return null;
        return invFreqCache.computeIfAbsent(rotaryDim + "@" + theta, key -> {
            float[] f = ReferenceBackend.invFreq(rotaryDim, theta);
            Tensor host = Tensor.fromFloats(f, f.length);
            Tensor dev;
            try (Scope s = Scope.open()) { dev = s.keep(toDevice(host)); }
            host.close();
            return dev;
        });
    }

    // ---- gathers and spatial ops --------------------------------------------------------------

    @Override public void embedding(Tensor table, Tensor ids, Tensor out) {
        if (table.rank() != 2) throw new ShapeException("embedding table must be (V, D), got " + table.describe());
        if (ids.dtype() != DType.I32 && ids.dtype() != DType.I64) throw new ShapeException("embedding ids must be I32 or I64, got " + ids.dtype());
        int v = table.dim(0), d = table.dim(1);
        int[] os = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        os[ids.rank()] = d;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("embedding out " + out.describe() + " should be " + Arrays.toString(os));
        long total = out.numel();
        if (total == 0) return;
        try (Call c = new Call()) {
            Tensor t = c.in(table, "embedding table");
            Tensor idc = c.in(ids, "embedding ids");
            if (!idc.isContiguous()) idc = c.temp(contiguous(idc));
            Tensor ix = idc;
            Tensor o = c.out(out, tt -> tt.isContiguous() && !aliases(tt, t, ix));
            KernelArgs a = new KernelArgs().i64(total)
                    .buf(handle(t)).i32(t.dtype().ordinal()).i64(t.offset()).i64(t.stride(0)).i64(t.stride(1)).i32(v).i32(d)
                    .buf(handle(idc)).i32(idc.dtype().ordinal()).i64(idc.offset())
                    .buf(handle(o)).i64(o.offset()).buf(errorFlag);
            rt.launch(EMBEDDING, new long[] {groups(total, EW_WG)}, new int[] {EW_WG}, a);
        }
    }

    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        int nd = x.rank() - 2;
        if (nd < 1 || nd > 3 || w.rank() != nd + 2) throw new ShapeException("conv: x " + x.describe() + " and w " + w.describe() + " do not match");
        int n = x.dim(0), ch = x.dim(1), oc = w.dim(0);
        if (groups <= 0 || ch % groups != 0 || oc % groups != 0 || w.dim(1) != ch / groups)
            throw new ShapeException("conv: " + ch + " input channels, weight " + w.describe() + ", groups " + groups + " do not fit");
        int[] pad = Shapes.padding2(padding, nd);
        int[] st = stride == null ? Shapes.repeat(1, nd) : stride, dl = dilation == null ? Shapes.repeat(1, nd) : dilation;
        if (st.length != nd || dl.length != nd) throw new ShapeException("conv: stride and dilation need " + nd + " values");
        int[] in = {1, 1, 1}, k = {1, 1, 1}, os = {1, 1, 1}, s3 = {1, 1, 1}, p3 = {0, 0, 0}, d3 = {1, 1, 1};
        for (int i = 0; i < nd; i++) {
            int j = 3 - nd + i;
            in[j] = x.dim(i + 2);
            k[j] = w.dim(i + 2);
            os[j] = Shapes.convOut(in[j], k[j], st[i], pad[2 * i], pad[2 * i + 1], dl[i]);
            if (out.rank() != nd + 2 || out.dim(i + 2) != os[j]) throw new ShapeException("conv out " + out.describe() + ": spatial dim " + i + " should be " + os[j]);
            s3[j] = st[i];
            p3[j] = pad[2 * i];
            d3[j] = dl[i];
        }
        if (out.dim(0) != n || out.dim(1) != oc) throw new ShapeException("conv out " + out.describe() + " should be (" + n + ", " + oc + ", ...)");
        if (out.numel() == 0) return;
        if ((long) n * groups > 65535) throw new ShapeException("conv: batch × groups = " + (long) n * groups + " exceeds 65535 per launch");
        try (Call c = new Call()) {
            Tensor xf = c.f32(x, "conv x", true);
            Tensor wd = c.in(w, "conv weight");
            Tensor wc = wd.isContiguous() ? wd : c.temp(contiguous(wd));
            Tensor bf = vector(c, bias, oc, "conv bias");
            Tensor o = c.out(out, t -> t.isContiguous() && !aliases(t, xf, wc, bf));
            int og = oc / groups, kk = (ch / groups) * k[0] * k[1] * k[2], p = os[0] * os[1] * os[2];
            if (kk == 0) { // no input channels or an empty kernel: the output is the bias
                fill(o, 0);
                if (bf != null) binary(BinaryOp.ADD, o, bf.view(concat(new int[] {1, oc}, Shapes.repeat(1, nd))), o);
                return;
            }
            KernelArgs a = new KernelArgs().buf(handle(xf)).i64(xf.offset()).buf(handle(wc)).i32(wc.dtype().ordinal()).i64(wc.offset());
            vec(a, bf);
            a.buf(handle(o)).i64(o.offset()).i32(ch).i32(oc).i32(groups)
                    .i32(in[0]).i32(in[1]).i32(in[2]).i32(k[0]).i32(k[1]).i32(k[2]).i32(os[0]).i32(os[1]).i32(os[2])
                    .i32(s3[0]).i32(s3[1]).i32(s3[2]).i32(p3[0]).i32(p3[1]).i32(p3[2]).i32(d3[0]).i32(d3[1]).i32(d3[2])
                    .i32(og).i32(p).i32(kk).bool(true).bool(false);
            rt.launch(CONV, new long[] {cdiv(p, 64) * 16L, cdiv(og, 64) * 16L, (long) n * groups}, new int[] {16, 16, 1}, a);
        }
    }

    @Override public void upsampleNearest(Tensor x, Tensor out) {
        if (x.rank() != 4 || out.rank() != 4 || out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1)
                || x.dim(2) == 0 || x.dim(3) == 0 || out.dim(2) % x.dim(2) != 0 || out.dim(3) % x.dim(3) != 0) {
            throw new ShapeException("upsampleNearest: out " + out.describe() + " must be an integer multiple of x " + x.describe());
        }
        long total = out.numel();
        if (total == 0) return;
        try (Call c = new Call()) {
            Tensor xf = c.f32(x, "upsampleNearest x");
            Tensor o = c.out(out, t -> t.isContiguous() && !aliases(t, xf));
            KernelArgs a = new KernelArgs().i64(total).buf(handle(xf)).i64(xf.offset()).i64(xf.stride(0)).i64(xf.stride(1)).i64(xf.stride(2)).i64(xf.stride(3))
                    .buf(handle(o)).i64(o.offset()).i32(out.dim(1)).i32(out.dim(2)).i32(out.dim(3)).i32(out.dim(2) / x.dim(2)).i32(out.dim(3) / x.dim(3));
            rt.launch(UPSAMPLE, new long[] {groups(total, EW_WG)}, new int[] {EW_WG}, a);
        }
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) throw new ShapeException("attention needs rank-4 q, k, v: " + q.describe() + ", " + k.describe() + ", " + v.describe());
        int b = q.dim(0), h = q.dim(1), sq = q.dim(2), d = q.dim(3);
        int hk = k.dim(1), sk = k.dim(2), dv = v.dim(3);
        if (k.dim(0) != b || v.dim(0) != b || k.dim(3) != d || v.dim(1) != hk || v.dim(2) != sk || hk == 0 || h % hk != 0) {
            throw new ShapeException("attention shapes do not fit: q " + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        Shapes.requireShape(out, "attention out", b, h, sq, dv);
        if (out.numel() == 0) return;
        try (Call c = new Call()) {
            // the tiled kernel reads any floating dtype (an F16 KV cache is not converted per call)
            Tensor qf = floating(c.in(q, "attention q"), c), kf = floating(c.in(k, "attention k"), c), vf = floating(c.in(v, "attention v"), c);
            Tensor mf = mask == null ? null : floating(c.in(mask, "attention mask"), c);
            Tensor m = mf == null ? null : mf.expand(b, h, sq, sk);
            Tensor o = c.out(out, t -> !aliases(t, qf, kf, vf, mf));
            if (sk == 0 || d > ATT_DMAX) {
                attentionMaterialised(qf, kf, vf, m, causal, scale, o);
            } else {
                for (int dv0 = 0; dv0 < dv; dv0 += ATT_DV_CHUNK) attentionTiled(qf, kf, vf, m, causal, scale, o, dv0, Math.min(ATT_DV_CHUNK, dv - dv0));
            }
        }
    }

    private Tensor floating(Tensor t, Call c) { return t.dtype().isFloating() ? t : c.temp(copyOf(t, DType.F32)); }

    private void attentionTiled(Tensor q, Tensor k, Tensor v, Tensor m, boolean causal, float scale, Tensor o, int dv0, int dvn) {
        int b = q.dim(0), h = q.dim(1), sq = q.dim(2), d = q.dim(3), hk = k.dim(1), sk = k.dim(2);
        int g = h / hk;
        int rowBlocks = cdiv((long) g * sq, ATT_BQ);
        int bk = Math.max(1, Math.min(ATT_BK_MAX, ATT_KV_LOCAL / Math.max(Math.max(d, dvn), 1)));
        int splits = attentionSplits((long) rowBlocks * b * hk, sk);
        int perSplit = cdiv(sk, splits);
        perSplit = cdiv(perSplit, bk) * bk; // whole tiles per split
        splits = cdiv(sk, perSplit);
        Tensor part = splits > 1 ? empty(DType.F32, splits, b * h * sq, dvn + 2) : null;
        KernelArgs a = new KernelArgs()
                .buf(handle(q)).i32(q.dtype().ordinal()).i64(q.offset()).i64(q.stride(0)).i64(q.stride(1)).i64(q.stride(2)).i64(q.stride(3))
                .buf(handle(k)).i32(k.dtype().ordinal()).i64(k.offset()).i64(k.stride(0)).i64(k.stride(1)).i64(k.stride(2)).i64(k.stride(3))
                .buf(handle(v)).i32(v.dtype().ordinal()).i64(v.offset()).i64(v.stride(0)).i64(v.stride(1)).i64(v.stride(2)).i64(v.stride(3));
        if (m == null) a.buf(0).i32(0).bool(false).i64(0).i64(0).i64(0).i64(0).i64(0);
        else a.buf(handle(m)).i32(m.dtype().ordinal()).bool(true).i64(m.offset()).i64(m.stride(0)).i64(m.stride(1)).i64(m.stride(2)).i64(m.stride(3));
        a.buf(handle(o)).i64(o.offset()).i64(o.stride(0)).i64(o.stride(1)).i64(o.stride(2)).i64(o.stride(3))
                .buf(part == null ? 0 : handle(part)).i32(b).i32(h).i32(hk).i32(sq).i32(sk).i32(d).i32(dv0).i32(dvn)
                .f32(scale).bool(causal).i32(bk).i32(perSplit);
        if ((long) b * hk > 65535 || splits > 65535) throw new ShapeException("attention: batch × kv heads " + (long) b * hk + " exceeds 65535");
        rt.launch(ATTENTION, new long[] {(long) rowBlocks * ATT_WG, (long) b * hk, splits}, new int[] {ATT_WG, 1, 1}, a);
        if (part != null) {
            long rowsTotal = (long) b * h * sq;
            long total = rowsTotal * dvn;
            rt.launch(ATTENTION_COMBINE, new long[] {groups(total, EW_WG)}, new int[] {EW_WG}, new KernelArgs().i64(total).buf(handle(part))
                    .i32(splits).i32(h).i32(sq).i32(dv0).i32(dvn).i64(rowsTotal)
                    .buf(handle(o)).i64(o.offset()).i64(o.stride(0)).i64(o.stride(1)).i64(o.stride(2)).i64(o.stride(3)));
            part.close();
        }
    }

    /** Splits keys over work-groups when there are too few (batch, head, row-block) groups to fill the device. */
    int attentionSplits(long workGroups, int sk) {
        if (forcedAttentionSplits > 0) return Math.max(1, Math.min(forcedAttentionSplits, sk));
        long want = 2L * rt.computeUnits();
        if (workGroups >= want || sk < 512) return 1;
        return (int) Math.max(1, Math.min(Math.min(want / workGroups, sk / 256), 64));
    }

    /** Head sizes above the tiled kernel's local-memory limit: scores materialised per (batch, head). */
    private void attentionMaterialised(Tensor q, Tensor k, Tensor v, Tensor m, boolean causal, float scale, Tensor o) {
        int b = q.dim(0), h = q.dim(1), sq = q.dim(2), hk = k.dim(1), sk = k.dim(2);
        int g = h / hk;
        if (sk == 0) { fill(o, 0); return; }
        Tensor bias = null;
        if (causal) {
            float[] cm = new float[sq * sk];
            for (int i = 0; i < sq; i++) for (int j = 0; j < sk; j++) cm[i * sk + j] = j > i + (sk - sq) ? Float.NEGATIVE_INFINITY : 0f;
            Tensor host = Tensor.fromFloats(cm, sq, sk);
            bias = toDevice(host);
            host.close();
        }
        Tensor scores = empty(DType.F32, sq, sk);
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                Tensor qh = q.select(0, bi).select(0, hi), kh = k.select(0, bi).select(0, hi / g), vh = v.select(0, bi).select(0, hi / g);
                matmul(qh, kh.transpose(0, 1), scores);
                affine(scores, scale, 0, scores);
                if (m != null) binary(BinaryOp.ADD, scores, m.select(0, bi).select(0, hi), scores);
                if (bias != null) binary(BinaryOp.ADD, scores, bias, scores);
                softmax(scores, scores);
                matmul(scores, vh, o.select(0, bi).select(0, hi));
            }
        }
        scores.close();
        if (bias != null) bias.close();
    }

    // ---- reductions ---------------------------------------------------------------------------

    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) {
        int ax = x.axis(dim);
        int[] os = x.shape();
        int len = os[ax];
        os[ax] = 1;
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("reduce out " + out.describe() + " should be " + Arrays.toString(os));
        if (out.numel() == 0) return;
        try (Call c = new Call()) {
            Tensor xf = c.f32(x, "reduce x");
            Tensor o = c.out(out, t -> t.isContiguous() && !aliases(t, xf));
            long inner = 1;
            for (int i = ax + 1; i < x.rank(); i++) inner *= x.dim(i);
            if (len == 0) {
                fill(o, switch (op) { case SUM -> 0f; case MEAN -> Float.NaN; case MAX -> Float.NEGATIVE_INFINITY; case MIN -> Float.POSITIVE_INFINITY; });
            } else if (inner == 1) {
                Tensor xv = xf; // the reduced dimension made last (only size-1 dimensions follow it)
                while (xv.rank() > ax + 1) xv = xv.squeeze(-1);
                if (Layouts.leadingStride(xv, 1) == null) xv = c.temp(contiguous(xv));
                rowLaunch(REDUCE_ROWS, o.numel(), new KernelArgs().buf(handle(xv)).i64(xv.offset()).i64(Layouts.leadingStride(xv, 1)).i64(xv.stride(-1))
                        .buf(handle(o)).i64(o.offset()).i64(1).i32(len).i32(op.ordinal()));
            } else {
                Tensor xc = xf.isContiguous() ? xf : c.temp(contiguous(xf));
                long total = o.numel();
                rt.launch(REDUCE_MID, new long[] {groups(total, EW_WG)}, new int[] {EW_WG},
                        new KernelArgs().i64(total).buf(handle(xc)).i64(xc.offset()).i32(len).i64(inner).buf(handle(o)).i64(o.offset()).i32(op.ordinal()));
            }
        }
    }

    @Override public void argmax(Tensor x, Tensor out) {
        if (x.rank() == 0) throw new ShapeException("argmax needs at least one dimension");
        int n = x.dim(-1);
        Shapes.requireShape(out, "argmax out", Arrays.copyOf(x.shape(), x.rank() - 1));
        if (out.dtype().isFloating()) throw new ShapeException("argmax out must be an integer dtype (I32), got " + out.dtype());
        long rows = out.numel();
        if (rows == 0) return;
        if (n == 0) throw new ShapeException("argmax over an empty dimension of " + x.describe());
        try (Call c = new Call()) {
            Tensor xf = c.f32(x, "argmax x");
            if (Layouts.leadingStride(xf, 1) == null) xf = c.temp(contiguous(xf));
            Tensor o = c.out(out, out.dtype(), t -> t.rank() == 0 || Layouts.leadingStride(t.unsqueeze(-1), 1) != null);
            long ors = o.rank() == 0 ? 0 : Layouts.leadingStride(o.unsqueeze(-1), 1);
            rowLaunch(ARGMAX, rows, new KernelArgs().buf(handle(xf)).i64(xf.offset()).i64(Layouts.leadingStride(xf, 1)).i64(xf.stride(-1))
                    .buf(handle(o)).i32(o.dtype().ordinal()).i64(o.offset()).i64(ors).i32(n));
        }
    }

    @Override public String toString() { return name + " backend on " + device() + " (" + rt.description() + ")"; }
}
