package dev.codi4j.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.gpu.KernelArgs;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CUDA bindings without a GPU: every bound function exists in cuda.h (or nvrtc.h) under the
 * symbol we look up, with the same number and kinds of parameters; enum values match the header;
 * kernel parameters are packed as cuLaunchKernel reads them. Header checks skip when no CUDA toolkit
 * headers are installed.
 */
class CudaBindingsTest {

    static Path header(String name) {
        List<String> roots = new ArrayList<>();
        for (String env : new String[] {"CUDA_HOME", "CUDA_PATH"}) if (System.getenv(env) != null) roots.add(System.getenv(env));
        roots.add("/usr/local/cuda");
        try (Stream<Path> s = Files.list(Path.of("/usr/local"))) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda-")).sorted().forEach(p -> roots.add(p.toString()));
        } catch (IOException ignored) { /* no /usr/local */ }
        for (String r : roots) {
            Path h = Path.of(r, "include", name);
            if (Files.isRegularFile(h)) return h;
        }
        return null;
    }

    /** The C parameter list of {@code fn} as declared in the header text (after macro renames). */
    static List<String> params(String text, String symbol) {
        String base = symbol.replaceAll("_v\\d$", "");
        Matcher m = Pattern.compile("(?:CUresult|nvrtcResult|const char\\s*\\*)\\s+(?:CUDAAPI\\s+)?(" + Pattern.quote(symbol) + "|" + Pattern.quote(base)
                + ")\\s*\\(([^)]*)\\)\\s*;").matcher(text);
        List<List<String>> found = new ArrayList<>();
        while (m.find()) {
            List<String> ps = new ArrayList<>();
            for (String p : m.group(2).split(",")) if (!p.isBlank() && !p.strip().equals("void")) ps.add(p.strip().replaceAll("\\s+", " "));
            if (m.group(1).equals(symbol) || found.isEmpty()) found.add(0, ps);
        }
        assertTrue(!found.isEmpty(), symbol + " is declared in the header");
        return found.get(0);
    }

    /** The FFM layout a C parameter type maps to on 64-bit Linux. */
    static MemoryLayout layoutOf(String param) {
        String p = param.replaceAll("\\bconst\\b", "").strip();
        if (p.contains("*")) return ADDRESS;
        String type = p.split(" ")[0];
        return switch (type) {
            case "int", "unsigned", "CUdevice", "CUdevice_attribute", "CUresult", "nvrtcResult", "CUfunction_attribute" -> JAVA_INT;
            case "size_t", "CUdeviceptr", "cuuint64_t" -> JAVA_LONG;
            case "CUcontext", "CUstream", "CUmodule", "CUfunction", "CUevent", "nvrtcProgram" -> ADDRESS;
            default -> throw new AssertionError("unmapped C type in '" + param + "'");
        };
    }

    static void checkSignatures(Path h, Map<String, FunctionDescriptor> sigs) throws IOException {
        String text = Files.readString(h);
        for (var e : sigs.entrySet()) {
            String sym = e.getKey();
            String base = sym.replaceAll("_v\\d$", "");
            // the header may #define the plain name to a versioned symbol, or wrap it for per-thread default streams
            // (__CUDA_API_PTSZ(x) is x itself unless compiled with --default-stream per-thread)
            Matcher def = Pattern.compile("#define\\s+" + Pattern.quote(base) + "\\s+(?:__CUDA_API_PTSZ\\(|__CUDA_API_PTDS\\()?(\\w+)").matcher(text);
            if (def.find()) assertEquals(sym, def.group(1), base + " is #defined to the symbol we bind");
            else assertEquals(base, sym, h + " declares " + base + " without a versioned symbol");
            List<String> ps = params(text, sym);
            List<MemoryLayout> want = ps.stream().map(CudaBindingsTest::layoutOf).toList();
            List<MemoryLayout> got = e.getValue().argumentLayouts();
            assertEquals(want.size(), got.size(), sym + " parameter count (" + ps + ")");
            for (int i = 0; i < want.size(); i++)
                assertEquals(want.get(i).byteSize(), got.get(i).byteSize(), sym + " parameter " + i + " '" + ps.get(i) + "'");
            for (int i = 0; i < want.size(); i++)
                assertEquals(want.get(i) == ADDRESS, got.get(i) == ADDRESS, sym + " parameter " + i + " '" + ps.get(i) + "' pointer-ness");
        }
    }

    @Test void driverSignaturesMatchCudaH() throws IOException {
        Path h = header("cuda.h");
        assumeTrue(h != null, "cuda.h not installed (no CUDA toolkit headers); driver binding check skipped");
        checkSignatures(h, CudaDriver.SIGNATURES);
        String text = Files.readString(h);
        Map<String, Integer> enums = Map.of("CUDA_SUCCESS", CudaDriver.CUDA_SUCCESS, "CUDA_ERROR_OUT_OF_MEMORY", CudaDriver.CUDA_ERROR_OUT_OF_MEMORY,
                "CUDA_ERROR_NO_DEVICE", CudaDriver.CUDA_ERROR_NO_DEVICE,
                "CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK", CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                "CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT", CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                "CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE", CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE,
                "CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH", CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH,
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR", CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                "CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR", CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        for (var e : enums.entrySet()) {
            Matcher m = Pattern.compile("\\b" + e.getKey() + "\\s*=\\s*(\\d+)").matcher(text);
            assertTrue(m.find(), e.getKey() + " in cuda.h");
            assertEquals(Integer.parseInt(m.group(1)), e.getValue(), e.getKey());
        }
        Matcher m = Pattern.compile("#define CU_MEMHOSTALLOC_PORTABLE\\s+0x(\\d+)").matcher(text);
        assertTrue(m.find());
        assertEquals(Integer.parseInt(m.group(1), 16), CudaDriver.CU_MEMHOSTALLOC_PORTABLE);
        m = Pattern.compile("CU_EVENT_DISABLE_TIMING\\s*=\\s*0x(\\d+)").matcher(text);
        assertTrue(m.find());
        assertEquals(Integer.parseInt(m.group(1), 16), CudaDriver.CU_EVENT_DISABLE_TIMING);
    }

    @Test void nvrtcSignaturesMatchNvrtcH() throws IOException {
        Path h = header("nvrtc.h");
        assumeTrue(h != null, "nvrtc.h not installed (the toolkit here has no NVRTC); NVRTC binding check skipped");
        checkSignatures(h, Nvrtc.SIGNATURES);
    }

    @Test void kernelParametersArePackedAsPointersToValues() {
        KernelArgs args = new KernelArgs().buf(0xDEADBEEF00L).i32(-7).i64(1L << 40).f32(1.5f).buf(0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment scratch = a.allocate(CudaArgs.bytes(args.size()), 16);
            MemorySegment params = CudaArgs.pack(args, scratch);
            long[] want = {0xDEADBEEF00L, -7, 1L << 40, Float.floatToRawIntBits(1.5f), 0};
            for (int i = 0; i < args.size(); i++) {
                MemorySegment p = params.getAtIndex(ADDRESS, i).reinterpret(8);
                long got = args.kind(i).bytes == 8 ? p.get(JAVA_LONG, 0) : p.get(JAVA_INT, 0);
                assertEquals(want[i], got, "parameter " + i + " (" + args.kind(i) + ")");
                assertTrue(p.address() % args.kind(i).bytes == 0, "parameter " + i + " is aligned");
            }
        }
    }

    @Test void gridsAreNdRangesDividedByBlockSize() {
        assertEquals("[4, 3, 1]", java.util.Arrays.toString(CudaRuntime.grid(new long[] {1000, 3}, new int[] {256, 1})));
        assertEquals("[0, 1, 1]", java.util.Arrays.toString(CudaRuntime.grid(new long[] {0}, new int[] {128})));
        org.junit.jupiter.api.Assertions.assertThrows(dev.codi4j.kernels.gpu.GpuException.class, () -> CudaRuntime.grid(new long[] {1, 70000}, new int[] {1, 1}));
    }
}
