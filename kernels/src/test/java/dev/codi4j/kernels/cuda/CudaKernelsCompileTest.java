package dev.codi4j.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.gpu.Dialect;
import dev.codi4j.kernels.gpu.KernelRef;
import dev.codi4j.kernels.gpu.KernelSources;
import dev.codi4j.kernels.gpu.RecordingRuntime;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA backend without a GPU: every op is driven through {@link CudaBackend} on a {@link
 * RecordingRuntime}, every CUDA program it launches is assembled exactly as NVRTC would get it and
 * compiled to PTX with nvcc (sm_80, NVRTC's options), and each recorded launch is checked against the
 * PTX entry it calls: the kernel exists and its parameters have the sizes the launch passes. Skipped
 * when nvcc is not installed. This catches compile errors and argument-list mismatches; it cannot
 * show the kernels compute the right values (CudaBackendTest does that on a GPU).
 */
class CudaKernelsCompileTest {
    static List<RecordingRuntime.Launch> launches;
    static RecordingRuntime rt;

    static Path nvcc() {
        List<Path> c = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) c.add(Path.of(dir, "nvcc"));
        if (System.getenv("CUDA_HOME") != null) c.add(Path.of(System.getenv("CUDA_HOME"), "bin", "nvcc"));
        c.add(Path.of("/usr/local/cuda/bin/nvcc"));
        for (Path p : c) if (Files.isExecutable(p)) return p;
        return null;
    }

    /** Runs every op (and every linear path) once on a recording CUDA backend. */
    @BeforeAll static void driveEveryOp() {
        rt = new RecordingRuntime(Dialect.CUDA);
        CudaBackend b = new CudaBackend(rt, 90);
        ReferenceBackend ref = new ReferenceBackend();
        Tensor x = b.toDevice(Tensor.zeros(DType.F32, 4, 64)), big = b.toDevice(Tensor.zeros(DType.F32, 70, 64));
        b.copyOf(x.transpose(0, 1), DType.F16);
        b.copyOf(b.toDevice(Tensor.zeros(DType.I32, 3)), DType.I64);
        b.copyOf(x, DType.Q4_0);
        b.fill(x, 1);
        b.unary(UnaryOp.GELU, x);
        b.binary(BinaryOp.ADD, x, x.narrow(0, 0, 1));
        b.affine(x, 2, 1, b.empty(DType.F32, 4, 64));
        b.gated(UnaryOp.SILU, x, x);
        b.matmul(x, x.transpose(0, 1));
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            Tensor w = b.toDevice(ref.copyOf(Tensor.zeros(DType.F32, 40, 64), dt));
            b.linear(x, w, null);                 // decode GEMV (CUDA kernel)
            b.linear(big, w, b.toDevice(Tensor.zeros(DType.F32, 40))); // prefill: MMA for F16, shared GEMM otherwise
        }
        Tensor odd = b.toDevice(Tensor.zeros(DType.F16, 40, 66)).narrow(1, 1, 64); // rows not 16-byte aligned
        b.linear(x, odd, null);                   // shared GEMV specialised for F16
        b.linear(x, b.toDevice(ref.copyOf(Tensor.zeros(DType.F32, 40, 64), DType.Q4_0)).narrow(0, 1, 39), null);
        b.softmax(x);
        b.layerNorm(x, b.toDevice(Tensor.zeros(DType.F32, 64)), null, 1e-5f);
        b.rmsNorm(x, null, 1e-5f);
        Tensor img = b.toDevice(Tensor.zeros(DType.F32, 2, 8, 6, 6));
        b.groupNorm(img, 4, null, null, 1e-5f);
        b.rope(b.toDevice(Tensor.zeros(DType.F32, 3, 2, 8)), b.toDevice(Tensor.zeros(DType.I32, 3)), 8, 1e4, false);
        b.embedding(b.toDevice(Tensor.zeros(DType.F16, 10, 8)), b.toDevice(Tensor.zeros(DType.I32, 3)));
        b.conv2d(img, b.toDevice(Tensor.zeros(DType.F32, 4, 8, 3, 3)), null, 1, 1);
        b.upsampleNearest(img, 2);
        Tensor q = b.toDevice(Tensor.zeros(DType.F32, 1, 2, 3, 16));
        b.attention(q, q, q, q.narrow(3, 0, 3), true, 0.25f);
        b.forceAttentionSplits(2);
        b.attention(q, q, q, null, true, 0.25f);
        b.forceAttentionSplits(0);
        b.reduce(ReduceOp.SUM, x, 1);
        b.reduce(ReduceOp.MAX, x, 0);
        b.argmax(x);
        launches = rt.launches();
    }

    @Test void linearPathsAreChosenByShapeDTypeAndAlignment() {
        List<String> names = launches.stream().map(l -> l.kernel().name()).toList();
        for (String k : new String[] {"gemv_f32", "gemv_f16", "gemv_bf16", "gemv_q8_0", "gemv_q4_0", "linear_f16_mma", "linear_gemm", "linear_gemv"})
            assertTrue(names.contains(k), k + " was launched: " + names);
        long mma = launches.stream().filter(l -> l.kernel().name().equals("linear_f16_mma")).count();
        assertEquals(1, mma, "only the F16 prefill uses tensor cores");
    }

    @Test void everyLaunchedKernelCompilesWithNvccAndTakesTheArgumentsPassed(@TempDir Path tmp) throws Exception {
        Path nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc not installed; CUDA kernel compile check skipped (install the CUDA toolkit to run it)");
        Map<String, KernelRef> programs = new LinkedHashMap<>();
        for (RecordingRuntime.Launch l : launches) programs.putIfAbsent(l.kernel().programKey(), l.kernel());
        Map<String, Future<String>> ptx = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            int i = 0;
            for (var e : programs.entrySet()) {
                KernelRef k = e.getValue();
                Path src = tmp.resolve("p" + i + ".cu"), out = tmp.resolve("p" + i++ + ".ptx");
                Files.writeString(src, KernelSources.program(Dialect.CUDA, k.file(), k.defines()));
                ptx.put(e.getKey(), pool.submit(() -> compile(nvcc, src, out, e.getKey())));
            }
            Map<String, Map<String, List<Integer>>> entries = new LinkedHashMap<>();
            for (var e : ptx.entrySet()) entries.put(e.getKey(), entries(e.getValue().get(10, TimeUnit.MINUTES)));
            for (RecordingRuntime.Launch l : launches) {
                Map<String, List<Integer>> es = entries.get(l.kernel().programKey());
                List<Integer> params = es.get(l.kernel().name());
                assertTrue(params != null, "kernel " + l.kernel().name() + " is an entry of " + l.kernel().programKey() + " (entries " + es.keySet() + ")");
                assertEquals(params, l.argBytes(), "parameter sizes of " + l.kernel().name() + " in " + l.kernel().programKey() + " vs the launch " + l.args());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String compile(Path nvcc, Path src, Path out, String what) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-ptx", "-arch=sm_80", "-o", out.toString()));
        for (String o : CudaRuntime.NVRTC_OPTIONS) if (!o.equals("-default-device")) cmd.add(o.replace("--std=", "-std="));
        cmd.add(src.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), "nvcc finished for " + what);
        assertEquals(0, p.exitValue(), "nvcc compiles " + what + " (" + String.join(" ", cmd) + "):\n" + log);
        return Files.readString(out);
    }

    /** Kernel entry name → parameter sizes in bytes, from PTX text. */
    static Map<String, List<Integer>> entries(String ptx) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)").matcher(ptx);
        Pattern param = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.([a-z]+)(\\d+)\\s+\\w+(?:\\[(\\d+)])?");
        while (m.find()) {
            List<Integer> sizes = new ArrayList<>();
            Matcher p = param.matcher(m.group(2));
            while (p.find()) sizes.add(Integer.parseInt(p.group(2)) / 8 * (p.group(3) == null ? 1 : Integer.parseInt(p.group(3))));
            out.put(m.group(1), sizes);
        }
        return out;
    }
}
