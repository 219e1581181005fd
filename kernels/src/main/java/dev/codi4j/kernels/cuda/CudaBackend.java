package dev.codi4j.kernels.cuda;

import dev.codi4j.kernels.gpu.GpuBackend;
import dev.codi4j.kernels.gpu.GpuRuntime;
import dev.codi4j.kernels.gpu.KernelArgs;
import dev.codi4j.kernels.gpu.KernelRef;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The op interface on an NVIDIA GPU through the CUDA driver API: the shared GPU kernels compiled as
 * CUDA C by NVRTC, plus CUDA-only kernels for the two products that decide speed: a warp-per-row
 * vectorised GEMV for decode (every weight dtype) and an F16 tensor-core GEMM (mma.sync) for
 * prefill and the UNet when weights are F16. Creating it makes it the default backend of its device.
 *
 * <p>{@code -Dcodi4j.cuda.tensorCores=f16x2} (default: x split into two halves, float-like accuracy),
 * {@code f16} (x rounded to half once, PyTorch-fp16-like) or {@code off} (the SIMT GEMM).
 *
 * <p>NOT VERIFIED ON HARDWARE: no GPU was available while this was written; see docs/gpu.md.
 */
public final class CudaBackend extends GpuBackend {
    static final KernelRef MMA = new KernelRef("dev/codi4j/kernels/cuda/gemm_mma.cu", "linear_f16_mma");
    static final Map<DType, KernelRef> GEMV = new EnumMap<>(DType.class);

    static {
        for (DType d : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0})
            GEMV.put(d, new KernelRef("dev/codi4j/kernels/cuda/gemv.cu", "gemv_" + d.name().toLowerCase(Locale.ROOT)));
    }

    /** Which linear kernel a call uses: exposed for tests that check the dispatch without a GPU. */
    enum LinearPath { GEMV, MMA, SHARED }

    private final int computeCapability;
    private final String tensorCores;

    public CudaBackend(int deviceIndex) {
        this(new CudaRuntime(deviceIndex));
    }

    private CudaBackend(CudaRuntime rt) {
        this(rt, rt.computeCapability());
        Backends.register(this);
    }

    /** For tests: any runtime that compiles the CUDA dialect (a recording fake), with a given compute capability. */
    CudaBackend(GpuRuntime rt, int computeCapability) {
        super("cuda", rt);
        this.computeCapability = computeCapability;
        this.tensorCores = System.getProperty("codi4j.cuda.tensorCores", "f16x2").toLowerCase(Locale.ROOT);
        if (!tensorCores.matches("f16x2|f16|off")) throw new IllegalArgumentException("codi4j.cuda.tensorCores must be f16x2, f16 or off, not '" + tensorCores + "'");
    }

    LinearPath path(Tensor x, long xrs, Tensor w, int rows, int k) {
        int es = w.dtype().isQuantized() ? 0 : w.dtype().blockBytes();
        boolean aligned = es == 0 || ((w.offset() * es) % 16 == 0 && (w.stride(0) * es) % 16 == 0);
        if (rows <= 8 && GEMV.containsKey(w.dtype()) && aligned) return LinearPath.GEMV;
        if (rows > 8 && w.dtype() == DType.F16 && computeCapability >= 80 && !tensorCores.equals("off")) return LinearPath.MMA;
        return LinearPath.SHARED;
    }

    @Override protected void runLinear(Tensor x, long xrs, Tensor w, Tensor bias, Tensor o, long ors, int rows, int n, int k) {
        LinearPath p = path(x, xrs, w, rows, k);
        if (p == LinearPath.SHARED) {
            super.runLinear(x, xrs, w, bias, o, ors, rows, n, k);
            return;
        }
        KernelArgs a = new KernelArgs().buf(handle(x)).i64(x.offset()).i64(xrs).buf(handle(w)).i64(w.offset()).i64(w.stride(0));
        if (bias == null) a.buf(0).i64(0).i64(0).bool(false);
        else a.buf(handle(bias)).i64(bias.offset()).i64(bias.stride(0)).bool(true);
        a.buf(handle(o)).i64(o.offset()).i64(ors).i32(rows).i32(n).i32(k);
        if (p == LinearPath.GEMV) {
            rt.launch(GEMV.get(w.dtype()), new long[] {(long) (n + 7) / 8 * 256}, new int[] {256}, a);
        } else {
            a.bool(tensorCores.equals("f16x2"));
            rt.launch(MMA, new long[] {(long) (n + 63) / 64 * 128, (long) (rows + 63) / 64}, new int[] {128, 1}, a);
        }
    }

    /** The CUDA runtime (device, context, stream); null when built on a test runtime. */
    public CudaRuntime cuda() { return runtime() instanceof CudaRuntime c ? c : null; }
}
