package dev.codi4j.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NVRTC ({@code libnvrtc.so.13/12}), the CUDA C++ compiler library, bound with {@code
 * java.lang.foreign}: compiles the kernel sources to CUBIN for the device's architecture (or to PTX
 * for the driver to finish when this NVRTC does not know the architecture).
 */
final class Nvrtc {
    static final int NVRTC_SUCCESS = 0, NVRTC_ERROR_INVALID_OPTION = 5;

    /** Every function we bind with its C signature (nvrtcResult is an int); checked against nvrtc.h when present. */
    static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private static Map<String, FunctionDescriptor> signatures() {
        var I = JAVA_INT;
        var A = ADDRESS;
        Map<String, FunctionDescriptor> m = new LinkedHashMap<>();
        m.put("nvrtcVersion", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcCreateProgram", FunctionDescriptor.of(I, A, A, A, I, A, A));
        m.put("nvrtcCompileProgram", FunctionDescriptor.of(I, A, I, A));
        m.put("nvrtcGetProgramLogSize", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcGetProgramLog", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcGetPTXSize", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcGetPTX", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcGetCUBINSize", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcGetCUBIN", FunctionDescriptor.of(I, A, A));
        m.put("nvrtcDestroyProgram", FunctionDescriptor.of(I, A));
        m.put("nvrtcGetErrorString", FunctionDescriptor.of(A, I));
        return Map.copyOf(m);
    }

    final NativeLib lib;
    final MethodHandle version, createProgram, compileProgram, getProgramLogSize, getProgramLog, getPtxSize, getPtx, getCubinSize, getCubin,
            destroyProgram, getErrorString;

    private Nvrtc(NativeLib lib) {
        this.lib = lib;
        version = bind("nvrtcVersion");
        createProgram = bind("nvrtcCreateProgram");
        compileProgram = bind("nvrtcCompileProgram");
        getProgramLogSize = bind("nvrtcGetProgramLogSize");
        getProgramLog = bind("nvrtcGetProgramLog");
        getPtxSize = bind("nvrtcGetPTXSize");
        getPtx = bind("nvrtcGetPTX");
        getCubinSize = lib.has("nvrtcGetCUBINSize") ? bind("nvrtcGetCUBINSize") : null;
        getCubin = lib.has("nvrtcGetCUBIN") ? bind("nvrtcGetCUBIN") : null;
        destroyProgram = bind("nvrtcDestroyProgram");
        getErrorString = bind("nvrtcGetErrorString");
    }

    private MethodHandle bind(String symbol) { return lib.fn(symbol, SIGNATURES.get(symbol)); }

    /** {@code codi4j.nvrtc.library} / CODI4J_NVRTC_LIBRARY, else versioned names in the usual CUDA folders. */
    static List<String> candidates() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String override = System.getProperty("codi4j.nvrtc.library", System.getenv("CODI4J_NVRTC_LIBRARY"));
        if (os.contains("win")) return NativeLib.candidates(override, List.of("nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"), List.of());
        List<String> folders = new ArrayList<>();
        String home = System.getenv("CUDA_HOME") != null ? System.getenv("CUDA_HOME") : System.getenv("CUDA_PATH");
        if (home != null) { folders.add(home + "/lib64"); folders.add(home + "/targets/x86_64-linux/lib"); }
        folders.add("/usr/local/cuda/lib64");
        folders.add("/usr/local/cuda/targets/x86_64-linux/lib");
        folders.add("/usr/lib/x86_64-linux-gnu");
        return NativeLib.candidates(override, List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"), folders);
    }

    private static volatile Object loaded;

    static Nvrtc load() {
        Object l = loaded;
        if (l == null) {
            synchronized (Nvrtc.class) {
                l = loaded;
                if (l == null) {
                    List<String> names = candidates();
                    var lib = NativeLib.open(names);
                    if (lib.isEmpty()) l = new CudaDriver.CudaUnavailableException("NVRTC (the CUDA runtime compiler) not found (tried libnvrtc.so.13/.12/.11.2 in the "
                            + "loader path, $CUDA_HOME and /usr/local/cuda); install it (e.g. the cuda-nvrtc package or pip's nvidia-cuda-nvrtc) "
                            + "or set codi4j.nvrtc.library");
                    else {
                        try { l = new Nvrtc(lib.get()); } catch (IllegalStateException e) { l = new CudaDriver.CudaUnavailableException("NVRTC is unusable: " + e.getMessage()); }
                    }
                    loaded = l;
                }
            }
        }
        if (l instanceof CudaDriver.CudaUnavailableException e) throw new CudaDriver.CudaUnavailableException(e.getMessage());
        return (Nvrtc) l;
    }

    String versionString() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(JAVA_INT), mi = a.allocate(JAVA_INT);
            int e = (int) version.invokeExact(ma, mi);
            return e == 0 ? ma.get(JAVA_INT, 0) + "." + mi.get(JAVA_INT, 0) : "?";
        } catch (Throwable t) {
            return "?";
        }
    }

    String error(int code) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(code);
            return s.equals(MemorySegment.NULL) ? "NVRTC_ERROR_" + code : s.reinterpret(256).getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) {
            return "NVRTC_ERROR_" + code;
        }
    }

    /** Result of one compilation: the image the driver loads and whether it is a CUBIN (else PTX text). */
    record Image(byte[] data, boolean cubin) {}

    /**
     * Compiles {@code source} for {@code arch} ("sm_90"): CUBIN when this NVRTC supports it, else PTX
     * for "compute_XY"; on error a {@link CudaException} carrying the compiler log.
     */
    Image compile(String name, String source, String arch, List<String> options) {
        Image img = compileOnce(name, source, "--gpu-architecture=" + arch, options, getCubin != null);
        if (img != null) return img;
        // this NVRTC predates the device: PTX for the newest virtual architecture it accepts, JIT-compiled by the driver
        int cc = Integer.parseInt(arch.substring(3));
        for (int virt : new int[] {cc, 90, 89, 86, 80, 75, 70}) {
            if (virt > cc) continue;
            img = compileOnce(name, source, "--gpu-architecture=compute_" + virt, options, false);
            if (img != null) return img;
        }
        throw new CudaException("nvrtcCompileProgram", NVRTC_ERROR_INVALID_OPTION, "NVRTC_ERROR_INVALID_OPTION",
                "NVRTC " + versionString() + " accepts none of " + arch + ", compute_90 .. compute_70 for " + name + "; install an NVRTC that knows this GPU");
    }

    private Image compileOnce(String name, String source, String archOption, List<String> options, boolean cubin) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            check((int) createProgram.invokeExact(prog, a.allocateFrom(source), a.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL),
                    "nvrtcCreateProgram", name);
            MemorySegment p = prog.get(ADDRESS, 0);
            try {
                List<String> all = new ArrayList<>(options);
                all.add(archOption);
                MemorySegment opts = a.allocate(ADDRESS, all.size());
                for (int i = 0; i < all.size(); i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(all.get(i)));
                int e = (int) compileProgram.invokeExact(p, all.size(), opts);
                if (e != NVRTC_SUCCESS) {
                    String log = log(p, a);
                    if (e == NVRTC_ERROR_INVALID_OPTION) return null; // an architecture this NVRTC does not know (our other options are fixed)
                    throw new CudaException("nvrtcCompileProgram", e, error(e), name + " " + all + ":\n" + (log.length() > 8000 ? log.substring(0, 8000) + "\n..." : log));
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                if (cubin) {
                    check((int) getCubinSize.invokeExact(p, size), "nvrtcGetCUBINSize", name);
                    MemorySegment buf = a.allocate(size.get(JAVA_LONG, 0));
                    check((int) getCubin.invokeExact(p, buf), "nvrtcGetCUBIN", name);
                    return new Image(buf.toArray(JAVA_BYTE), true);
                }
                check((int) getPtxSize.invokeExact(p, size), "nvrtcGetPTXSize", name);
                MemorySegment buf = a.allocate(size.get(JAVA_LONG, 0));
                check((int) getPtx.invokeExact(p, buf), "nvrtcGetPTX", name);
                return new Image(buf.toArray(JAVA_BYTE), false);
            } finally {
                int ignored = (int) destroyProgram.invokeExact(prog);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NVRTC call failed", t);
        }
    }

    private String log(MemorySegment p, Arena a) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        if ((int) getProgramLogSize.invokeExact(p, size) != 0) return "(no log)";
        MemorySegment buf = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        if ((int) getProgramLog.invokeExact(p, buf) != 0) return "(no log)";
        return buf.getString(0, StandardCharsets.UTF_8).strip();
    }

    private void check(int e, String call, String detail) {
        if (e != NVRTC_SUCCESS) throw new CudaException(call, e, error(e), detail);
    }
}
