package dev.codi4j.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CUDA driver API ({@code libcuda.so.1}, installed with the NVIDIA driver) bound with
 * {@code java.lang.foreign}. Symbols are the ones {@code cuda.h} maps its names to ({@code
 * cuMemAlloc} → {@code cuMemAlloc_v2}, ...), checked against the header by CudaBindingsTest.
 * {@code CUdevice} is an int, {@code CUdeviceptr} a 64-bit integer, other handles are pointers.
 */
final class CudaDriver {
    // cuda.h enums we use
    static final int CUDA_SUCCESS = 0, CUDA_ERROR_OUT_OF_MEMORY = 2, CUDA_ERROR_NO_DEVICE = 100;
    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8,
            CU_DEVICE_ATTRIBUTE_WARP_SIZE = 10, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36,
            CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
            CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_MEMHOSTALLOC_PORTABLE = 0x01;
    static final int CU_EVENT_DISABLE_TIMING = 0x2;

    /**
     * Every function we bind, under the symbol cuda.h maps its name to ({@code cuMemAlloc} →
     * {@code cuMemAlloc_v2}), with its C signature: CUresult and CUdevice are ints, CUdeviceptr and
     * size_t 64-bit, handles and pointers addresses. CudaBindingsTest checks this table against cuda.h.
     */
    static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private static Map<String, FunctionDescriptor> signatures() {
        var I = JAVA_INT;
        var J = JAVA_LONG;
        var A = ADDRESS;
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("cuInit", FunctionDescriptor.of(I, I));
        m.put("cuDriverGetVersion", FunctionDescriptor.of(I, A));
        m.put("cuDeviceGetCount", FunctionDescriptor.of(I, A));
        m.put("cuDeviceGet", FunctionDescriptor.of(I, A, I));
        m.put("cuDeviceGetName", FunctionDescriptor.of(I, A, I, I));
        m.put("cuDeviceGetAttribute", FunctionDescriptor.of(I, A, I, I));
        m.put("cuDeviceTotalMem_v2", FunctionDescriptor.of(I, A, I));
        m.put("cuDevicePrimaryCtxRetain", FunctionDescriptor.of(I, A, I));
        m.put("cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(I, I));
        m.put("cuCtxSetCurrent", FunctionDescriptor.of(I, A));
        m.put("cuStreamCreate", FunctionDescriptor.of(I, A, I));
        m.put("cuStreamSynchronize", FunctionDescriptor.of(I, A));
        m.put("cuStreamDestroy_v2", FunctionDescriptor.of(I, A));
        m.put("cuMemAlloc_v2", FunctionDescriptor.of(I, A, J));
        m.put("cuMemFree_v2", FunctionDescriptor.of(I, J));
        m.put("cuMemcpyHtoDAsync_v2", FunctionDescriptor.of(I, J, A, J, A));
        m.put("cuMemcpyDtoHAsync_v2", FunctionDescriptor.of(I, A, J, J, A));
        m.put("cuMemcpyDtoDAsync_v2", FunctionDescriptor.of(I, J, J, J, A));
        m.put("cuMemHostAlloc", FunctionDescriptor.of(I, A, J, I));
        m.put("cuMemFreeHost", FunctionDescriptor.of(I, A));
        m.put("cuModuleLoadData", FunctionDescriptor.of(I, A, A));
        m.put("cuModuleGetFunction", FunctionDescriptor.of(I, A, A, A));
        m.put("cuModuleUnload", FunctionDescriptor.of(I, A));
        m.put("cuLaunchKernel", FunctionDescriptor.of(I, A, I, I, I, I, I, I, I, A, A, A));
        m.put("cuGetErrorName", FunctionDescriptor.of(I, I, A));
        m.put("cuEventCreate", FunctionDescriptor.of(I, A, I));
        m.put("cuEventRecord", FunctionDescriptor.of(I, A, A));
        m.put("cuEventSynchronize", FunctionDescriptor.of(I, A));
        m.put("cuEventDestroy_v2", FunctionDescriptor.of(I, A));
        m.put("cuMemGetInfo_v2", FunctionDescriptor.of(I, A, A));
        return Map.copyOf(m);
    }

    final NativeLib lib;
    final MethodHandle init, driverGetVersion, deviceGetCount, deviceGet, deviceGetName, deviceGetAttribute, deviceTotalMem,
            primaryCtxRetain, primaryCtxRelease, ctxSetCurrent, streamCreate, streamSynchronize, streamDestroy, memAlloc, memFree,
            memcpyHtoDAsync, memcpyDtoHAsync, memcpyDtoDAsync, memHostAlloc, memFreeHost, moduleLoadData, moduleGetFunction,
            moduleUnload, launchKernel, getErrorName, eventCreate, eventRecord, eventSynchronize, eventDestroy, memGetInfo;

    private CudaDriver(NativeLib lib) {
        this.lib = lib;
        init = bind("cuInit");
        driverGetVersion = bind("cuDriverGetVersion");
        deviceGetCount = bind("cuDeviceGetCount");
        deviceGet = bind("cuDeviceGet");
        deviceGetName = bind("cuDeviceGetName");
        deviceGetAttribute = bind("cuDeviceGetAttribute");
        deviceTotalMem = bind("cuDeviceTotalMem_v2");
        primaryCtxRetain = bind("cuDevicePrimaryCtxRetain");
        primaryCtxRelease = bind("cuDevicePrimaryCtxRelease_v2");
        ctxSetCurrent = bind("cuCtxSetCurrent");
        streamCreate = bind("cuStreamCreate");
        streamSynchronize = bind("cuStreamSynchronize");
        streamDestroy = bind("cuStreamDestroy_v2");
        memAlloc = bind("cuMemAlloc_v2");
        memFree = bind("cuMemFree_v2");
        memcpyHtoDAsync = bind("cuMemcpyHtoDAsync_v2");
        memcpyDtoHAsync = bind("cuMemcpyDtoHAsync_v2");
        memcpyDtoDAsync = bind("cuMemcpyDtoDAsync_v2");
        memHostAlloc = bind("cuMemHostAlloc");
        memFreeHost = bind("cuMemFreeHost");
        moduleLoadData = bind("cuModuleLoadData");
        moduleGetFunction = bind("cuModuleGetFunction");
        moduleUnload = bind("cuModuleUnload");
        launchKernel = bind("cuLaunchKernel");
        getErrorName = bind("cuGetErrorName");
        eventCreate = bind("cuEventCreate");
        eventRecord = bind("cuEventRecord");
        eventSynchronize = bind("cuEventSynchronize");
        eventDestroy = bind("cuEventDestroy_v2");
        memGetInfo = bind("cuMemGetInfo_v2");
    }

    private MethodHandle bind(String symbol) { return lib.fn(symbol, SIGNATURES.get(symbol)); }

    /** Where the driver library may be: {@code codi4j.cuda.library} / CODI4J_CUDA_LIBRARY override the search. */
    static List<String> candidates() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String override = System.getProperty("codi4j.cuda.library", System.getenv("CODI4J_CUDA_LIBRARY"));
        if (os.contains("win")) return NativeLib.candidates(override, List.of("nvcuda.dll"), List.of());
        return NativeLib.candidates(override, List.of("libcuda.so.1", "libcuda.so"),
                List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/nvidia/lib64", "/usr/lib/wsl/lib"));
    }

    private static volatile Object loaded;

    /** Loads the driver and calls cuInit once per JVM; throws {@link CudaUnavailableException} with the reason otherwise. */
    static CudaDriver load() {
        Object l = loaded;
        if (l == null) {
            synchronized (CudaDriver.class) {
                l = loaded;
                if (l == null) loaded = l = tryLoad();
            }
        }
        if (l instanceof CudaUnavailableException e) throw new CudaUnavailableException(e.getMessage());
        return (CudaDriver) l;
    }

    private static Object tryLoad() {
        List<String> names = candidates();
        var lib = NativeLib.open(names);
        if (lib.isEmpty()) return new CudaUnavailableException("no CUDA driver: " + String.join(", ", names.subList(0, Math.min(2, names.size())))
                + " not found; install the NVIDIA driver (it provides libcuda.so.1) or point codi4j.cuda.library at it");
        try {
            CudaDriver d = new CudaDriver(lib.get());
            int err = (int) d.init.invokeExact(0);
            if (err != CUDA_SUCCESS) return new CudaUnavailableException("cuInit failed: " + d.errorName(err) + " (" + err + ")"
                    + (err == CUDA_ERROR_NO_DEVICE ? " — no CUDA-capable GPU is visible" : " — is the NVIDIA driver loaded and the GPU visible to this process?"));
            try (Arena a = Arena.ofConfined()) {
                MemorySegment n = a.allocate(JAVA_INT);
                err = (int) d.deviceGetCount.invokeExact(n);
                if (err != CUDA_SUCCESS || n.get(JAVA_INT, 0) == 0) return new CudaUnavailableException("the CUDA driver reports no GPU (" + d.errorName(err) + ")");
            }
            return d;
        } catch (IllegalStateException e) {
            return new CudaUnavailableException("the CUDA driver " + lib.get().name + " is unusable: " + e.getMessage());
        } catch (Throwable t) {
            return new CudaUnavailableException("the CUDA driver failed to initialise: " + t);
        }
    }

    String errorName(int code) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            int e = (int) getErrorName.invokeExact(code, p);
            MemorySegment s = p.get(ADDRESS, 0);
            return e == CUDA_SUCCESS && !s.equals(MemorySegment.NULL) ? s.reinterpret(256).getString(0, StandardCharsets.US_ASCII) : "CUDA_ERROR_" + code;
        } catch (Throwable t) {
            return "CUDA_ERROR_" + code;
        }
    }

    void check(int err, String call, String detail) {
        if (err == CUDA_SUCCESS) return;
        if (err == CUDA_ERROR_OUT_OF_MEMORY) throw new dev.codi4j.kernels.gpu.GpuOutOfMemoryException(call + " failed: CUDA_ERROR_OUT_OF_MEMORY"
                + (detail == null ? "" : " (" + detail + ")"), null);
        throw new CudaException(call, err, errorName(err), detail);
    }

    /** Thrown (and kept) when CUDA cannot be used here. */
    static final class CudaUnavailableException extends RuntimeException {
        CudaUnavailableException(String message) { super(message); }
    }
}
