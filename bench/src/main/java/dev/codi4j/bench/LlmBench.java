package dev.codi4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.cli.DeviceOptions;
import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.models.llama.LlamaWeights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.HostMemory;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code codi4j bench llm}: Llama-2 prefill and decode speed at real sizes on random weights (or a
 * real checkpoint), with the decode roofline (weight bytes per token × tok/s ÷ memory read bandwidth
 * measured in the same run), peak resident memory, and llama.cpp's {@code llama-bench} run on the
 * same GGUF file when {@code LLAMA_BENCH} names it.
 */
@Command(name = "llm", mixinStandardHelpOptions = true,
        description = {"Llama-2 prefill/decode tok/s, decode roofline fraction and peak RSS on random weights of real shapes;",
                "with LLAMA_BENCH=/path/to/llama-bench, llama.cpp on the same GGUF file side by side."})
public final class LlmBench implements BenchSubcommand, Callable<Integer> {

    @Override public int order() { return 20; }

    @Option(names = "--size", defaultValue = "7b", description = "7b, 13b or tiny (default: ${DEFAULT-VALUE}); ignored with --model")
    String size;

    @Option(names = "--dtype", description = "weight dtype: f16, q8_0, q4_0 (also bf16, f32); default f16, or as stored with --model")
    String dtype;

    @Option(names = "--model", description = "a real checkpoint (HF folder, .safetensors, .gguf or hub id) instead of random weights")
    String model;

    @CommandLine.Mixin DeviceOptions device = new DeviceOptions();

    @Option(names = "--kv-dtype", defaultValue = "f16", description = "KV cache dtype, f16 (as llama.cpp) or f32 (default: ${DEFAULT-VALUE})")
    String kvDtype;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the random weights and prompt (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--ctx", split = ",", defaultValue = "128,2048", description = "contexts at which decode is timed (default: ${DEFAULT-VALUE})")
    List<Integer> contexts;

    @Option(names = "--prompt", defaultValue = "512", description = "prefill length in tokens (default: ${DEFAULT-VALUE})")
    int prompt;

    @Option(names = "--gen", defaultValue = "16", description = "decoded tokens timed per context (default: ${DEFAULT-VALUE})")
    int gen;

    @Option(names = "--reps", defaultValue = "2", description = "repetitions, best taken (default: ${DEFAULT-VALUE})")
    int reps;

    @Option(names = "--gguf", description = "write the random weights to this GGUF file (reused if it exists) and run from it; default with LLAMA_BENCH: a file in the temp folder, deleted afterwards")
    Path gguf;

    @Option(names = "--llama-reps", defaultValue = "1", description = "llama-bench repetitions (-r) (default: ${DEFAULT-VALUE})")
    int llamaReps;

    @Option(names = "--llama-gen", defaultValue = "128", description = "llama-bench generated tokens (-n) (default: ${DEFAULT-VALUE})")
    int llamaGen;

    @Option(names = "--llama-bench", description = "path of llama.cpp's llama-bench (default: $LLAMA_BENCH)")
    String llamaBenchPath = System.getenv("LLAMA_BENCH");

    @Option(names = "--bandwidth-bytes", defaultValue = "1073741824", hidden = true, description = "buffer of the bandwidth probe")
    long bandwidthBytes;

    @Option(names = "--profile", description = "also print the share of time per backend op (prefill and decode)")
    boolean profile;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    private OpProfiler ops;

    public static void main(String[] args) { System.exit(new CommandLine(new LlmBench()).execute(args)); }

    @Override public Integer call() throws Exception {
        var out = spec.commandLine().getOut();
        String llamaBench = llamaBenchPath == null || llamaBenchPath.isBlank() ? null : llamaBenchPath;
        try (Backend real = device.create()) {
            if (profile) ops = new OpProfiler(real);
            Backend backend = profile ? ops : real;
            // a GPU backend reports 1 thread; the host bandwidth probe (and llama-bench) then use the --threads or all cores
            int t = real instanceof CpuBackend ? real.threads() : device.threads() > 0 ? device.threads() : Runtime.getRuntime().availableProcessors();
            double bandwidth;
            if (real instanceof CpuBackend cpu) bandwidth = Rooflines.memoryReadBandwidth(cpu.pool(), bandwidthBytes, 5);
            else try (Parallel pool = new Parallel(t)) { bandwidth = Rooflines.memoryReadBandwidth(pool, bandwidthBytes, 5); }
            out.printf(Locale.ROOT, "machine: %d cores, backend %s with %d threads; memory read bandwidth %.1f GB/s (Rooflines probe, %d threads, %d MiB, best of 5)%n",
                    Runtime.getRuntime().availableProcessors(), backend.name(), t, bandwidth / 1e9, t, bandwidthBytes >> 20);
            if (!(real instanceof CpuBackend))
                out.printf("device: %s; the bandwidth above is the host's, so the roofline fractions below compare this device against host memory%n", real);
            hwmReset = resetPeakRss();

            Path file = null;
            boolean deleteFile = false;
            Llama m;
            String what;
            long fileBytes = 0;
            if (model != null) {
                LlamaLoader.Options o = LlamaLoader.Options.defaults().withDType(dtype == null ? null : DType.parse(dtype));
                m = LlamaLoader.load(LlamaLoader.resolve(model), o, backend);
                what = model;
                Path p = LlamaLoader.resolve(model);
                if (Files.isRegularFile(p)) { file = p; fileBytes = Files.size(p); }
            } else {
                LlamaConfig c = switch (size.toLowerCase(Locale.ROOT)) {
                    case "7b" -> LlamaConfig.llama2_7b();
                    case "13b" -> LlamaConfig.llama2_13b();
                    case "tiny" -> LlamaConfig.tiny();
                    default -> throw new IllegalArgumentException("--size must be 7b, 13b or tiny, not '" + size + "'");
                };
                DType dt = DType.parse(dtype == null ? "f16" : dtype);
                if (!dt.isFloating()) throw new IllegalArgumentException("--dtype must be f16, q8_0, q4_0, bf16 or f32, not '" + dtype + "'");
                if (gguf == null && llamaBench != null) {
                    gguf = Path.of(System.getProperty("java.io.tmpdir"), "codi4j-bench-llama2-" + size + "-" + dt.name().toLowerCase(Locale.ROOT) + ".gguf");
                    deleteFile = !Files.exists(gguf);
                }
                long g0 = System.nanoTime();
                if (gguf != null) {
                    if (!Files.exists(gguf)) {
                        RandomLlamaWeights.writeGguf(c, dt, gguf, seed);
                        out.printf(Locale.ROOT, "wrote random %s weights to %s in %.1f s%n", dt, gguf, (System.nanoTime() - g0) * 1e-9);
                    } else out.printf("using the existing GGUF %s%n", gguf);
                    HostMemory.trim();
                    file = gguf;
                    fileBytes = Files.size(gguf);
                    m = LlamaLoader.load(gguf, backend);
                    what = "Llama-2-" + size.toUpperCase(Locale.ROOT) + " shapes, random " + dt + " weights (GGUF, memory-mapped)";
                } else {
                    Map<String, Tensor> ts = RandomLlamaWeights.inMemory(c, dt, seed);
                    Weights w = Weights.of(ts);
                    m = new Llama(c, LlamaWeights.load(w, c, LlamaWeights.Layout.HF, null, backend), backend, w);
                    out.printf(Locale.ROOT, "generated random %s weights in memory in %.1f s%n", dt, (System.nanoTime() - g0) * 1e-9);
                    what = "Llama-2-" + size.toUpperCase(Locale.ROOT) + " shapes, random " + dt + " weights (in memory)";
                }
            }
            try (Llama mm = m) {
                run(mm, what, bandwidth, fileBytes, out);
                if (llamaBench != null) {
                    if (file == null || !file.getFileName().toString().endsWith(".gguf"))
                        out.println("llama.cpp: skipped (LLAMA_BENCH is set but the model is not a GGUF file; use random weights or --model FILE.gguf)");
                    else {
                        mm.close();
                        llamaCpp(llamaBench, file, t, out);
                    }
                }
            } finally {
                if (deleteFile && file != null) Files.deleteIfExists(file);
            }
        }
        return 0;
    }

    private final Map<String, Double> ours = new LinkedHashMap<>();
    private boolean hwmReset;

    /** Resets VmHWM to the current RSS (Linux: "5" to /proc/self/clear_refs), so the bandwidth probe's buffer is not counted. */
    static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void run(Llama m, String what, double bandwidth, long fileBytes, java.io.PrintWriter out) {
        LlamaConfig c = m.config();
        long bytesPerToken = m.weights().bytesPerToken();
        int maxCtx = Math.max(prompt, contexts.stream().mapToInt(Integer::intValue).max().orElse(0) + gen + 2);
        maxCtx = Math.min(maxCtx, c.maxPositionEmbeddings());
        out.printf(Locale.ROOT, "model: %s; %d layers, dim %d, %.2f GiB of weights, %.2f GiB read per decoded token%n",
                what, c.numHiddenLayers(), c.hiddenSize(), m.weights().totalBytes() / 1073741824.0, bytesPerToken / 1073741824.0);
        Sampling.Rng rng = new Sampling.Rng(seed);
        int[] ids = new int[prompt];
        for (int i = 0; i < prompt; i++) ids[i] = 3 + (int) (rng.nextDouble() * (c.vocabSize() - 3));
        try (LlamaState st = m.newState(maxCtx, Math.min(prompt, 512), DType.parse(kvDtype))) {
            out.printf(Locale.ROOT, "KV cache: %d tokens, %.2f GiB (%s)%n", maxCtx, st.cacheBytes() / 1073741824.0, st.cacheDType());
            double best = 0;
            if (profile) ops.reset();
            for (int r = 0; r < reps; r++) {
                st.reset();
                long f0 = majorFaults();
                long t0 = System.nanoTime();
                m.prefill(st, ids);
                m.backend().synchronize();
                double s = (System.nanoTime() - t0) * 1e-9;
                best = Math.max(best, prompt / s);
                out.printf(Locale.ROOT, "  prefill %d tokens: %.2f s = %.2f tok/s%s%n", prompt, s, prompt / s, faultNote(majorFaults() - f0));
                out.flush();
            }
            ours.put("pp" + prompt, best);
            out.printf(Locale.ROOT, "prefill %d tokens: %.2f tok/s (best of %d)%n", prompt, best, reps);
            if (profile) printProfile(out, "time per op in prefill:");
            for (int ctx : contexts) {
                if (ctx + gen + 1 > maxCtx) { out.printf("decode @%d: skipped (above the model's context)%n", ctx); continue; }
                double bestD = 0;
                if (profile) ops.reset();
                for (int r = 0; r < reps; r++) {
                    st.fillRandomForBenchmark(ctx, seed + r);
                    int tok = ids[0];
                    m.decode(st, tok); // warm-up step (not timed)
                    long f0 = majorFaults();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < gen; i++) tok = Sampling.argmax(m.decode(st, tok)) % c.vocabSize();
                    double s = (System.nanoTime() - t0) * 1e-9;
                    long faults = majorFaults() - f0;
                    if (faults > 0) faultedSections++;
                    bestD = Math.max(bestD, gen / s);
                    out.printf(Locale.ROOT, "  decode %d tokens @%d: %.2f s = %.3f tok/s%s%n", gen, ctx, s, gen / s, faultNote(faults));
                    out.flush();
                }
                long kvRead = 2L * c.numHiddenLayers() * c.numKeyValueHeads() * c.headDim() * st.cacheDType().blockBytes() * (ctx + gen / 2);
                double frac = bytesPerToken * bestD / bandwidth;
                ours.put("tg@" + ctx, bestD);
                if (profile) printProfile(out, "time per op in decode @" + ctx + ":");
                out.printf(Locale.ROOT, "decode @%d: %.3f tok/s (best of %d); roofline: weights %.2f GiB/token × tok/s = %.1f GB/s = %.1f %% of %.1f GB/s"
                        + " (with the KV cache read, %.2f GiB/token: %.1f %%)%n",
                        ctx, bestD, reps, bytesPerToken / 1073741824.0, bytesPerToken * bestD / 1e9, 100 * frac, bandwidth / 1e9,
                        (bytesPerToken + kvRead) / 1073741824.0, 100 * (bytesPerToken + kvRead) * bestD / bandwidth);
            }
            if (faultedSections > 0) out.printf(Locale.ROOT, "warning: %d timed decode section(s) had major page faults (disk reads); their tok/s may be disturbed%n", faultedSections);
            long hwm = procStatusKb("VmHWM") * 1024;
            long target = fileBytes > 0 ? fileBytes + st.cacheBytes() + (1L << 30) : m.weights().totalBytes() + st.cacheBytes() + (1L << 30);
            Runtime rt = Runtime.getRuntime();
            out.printf(Locale.ROOT, "peak RSS (VmHWM): %.2f GiB (Java heap now %.2f GiB committed of %.2f GiB max); target < %s + KV %.2f GiB + 1 GiB = %.2f GiB: %s%n", hwm / 1073741824.0, rt.totalMemory() / 1073741824.0, rt.maxMemory() / 1073741824.0,
                    fileBytes > 0 ? String.format(Locale.ROOT, "file %.2f GiB", fileBytes / 1073741824.0) : String.format(Locale.ROOT, "weights %.2f GiB", m.weights().totalBytes() / 1073741824.0),
                    st.cacheBytes() / 1073741824.0, target / 1073741824.0, hwm < target ? "met" : "NOT met");
            if (!hwmReset) out.println("  (VmHWM could not be reset after the 1 GiB bandwidth probe; it is included)");
        }
    }

    private void printProfile(java.io.PrintWriter out, String title) {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        try (java.io.PrintStream ps = new java.io.PrintStream(buf, true, StandardCharsets.UTF_8)) { ops.print(ps); }
        out.println("  " + title);
        out.print(buf.toString(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Runs llama-bench on the same file and prints its figures and our/llama.cpp ratios. */
    private void llamaCpp(String exe, Path file, int t, java.io.PrintWriter out) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe, "-m", file.toString(), "-t", Integer.toString(t), "-p", Integer.toString(prompt),
                "-n", Integer.toString(llamaGen), "-r", Integer.toString(llamaReps), "-o", "json"));
        out.println("llama.cpp: " + String.join(" ", cmd));
        out.flush();
        JsonArray res = runJson(cmd);
        Map<String, Double> theirs = new LinkedHashMap<>();
        for (JsonElement e : res) {
            JsonObject o = e.getAsJsonObject();
            int np = o.get("n_prompt").getAsInt(), ng = o.get("n_gen").getAsInt();
            double ts = o.get("avg_ts").getAsDouble();
            theirs.put(np > 0 ? "pp" + np : "tg" + ng, ts);
        }
        boolean depth = helpMentions(exe, "-d, --n-depth");
        List<Integer> deep = contexts.stream().filter(x -> x > llamaGen).toList();
        if (depth && !deep.isEmpty()) {
            List<String> cmd2 = new ArrayList<>(List.of(exe, "-m", file.toString(), "-t", Integer.toString(t), "-p", "0", "-n", Integer.toString(gen),
                    "-d", String.join(",", deep.stream().map(String::valueOf).toList()), "-r", Integer.toString(llamaReps), "-o", "json"));
            out.println("llama.cpp: " + String.join(" ", cmd2));
            out.flush();
            for (JsonElement e : runJson(cmd2)) {
                JsonObject o = e.getAsJsonObject();
                theirs.put("tg@" + o.get("n_depth").getAsInt(), o.get("avg_ts").getAsDouble());
            }
        }
        for (var e : theirs.entrySet()) out.printf(Locale.ROOT, "llama.cpp %s: %.3f tok/s%n", e.getKey(), e.getValue());
        Double pp = theirs.get("pp" + prompt);
        if (pp != null && ours.containsKey("pp" + prompt)) out.printf(Locale.ROOT, "ratio prefill %d (codi4j/llama.cpp): %.2f%n", prompt, ours.get("pp" + prompt) / pp);
        for (int ctx : contexts) {
            Double theirsAt = theirs.get("tg@" + ctx);
            String label = "tg@" + ctx;
            if (theirsAt == null) { theirsAt = theirs.get("tg" + llamaGen); label = "tg" + llamaGen + " (depth 0)"; }
            if (theirsAt != null && ours.containsKey("tg@" + ctx))
                out.printf(Locale.ROOT, "ratio decode @%d vs llama.cpp %s (codi4j/llama.cpp): %.2f%n", ctx, label, ours.get("tg@" + ctx) / theirsAt);
        }
    }

    private static boolean helpMentions(String exe, String what) {
        try {
            Process p = new ProcessBuilder(exe, "--help").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return s.contains(what);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static JsonArray runJson(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        StringBuilder sb = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) sb.append(line).append('\n');
        }
        int rc = p.waitFor();
        if (rc != 0) throw new IOException("llama-bench exited with status " + rc + ": " + String.join(" ", cmd));
        String s = sb.toString();
        int i = s.indexOf('[');
        if (i < 0) throw new IOException("llama-bench printed no JSON array: " + s);
        return JsonParser.parseString(s.substring(i)).getAsJsonArray();
    }

    /** A field of /proc/self/status in kB (0 when unavailable, e.g. not on Linux). */
    private int faultedSections;

    /**
     * Major page faults of this process so far (Linux /proc/self/stat field 12; -1 elsewhere). A
     * memory-mapped checkpoint whose pages were dropped by the kernel (another large file filled the
     * page cache) is read from disk again during the timing; the lines then say so.
     */
    static long majorFaults() {
        try {
            String st = Files.readString(Path.of("/proc/self/stat"));
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[9]); // field 12 overall: majflt
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String faultNote(long faults) {
        return faults > 0 ? String.format(Locale.ROOT, "  [%d major page fault(s) during the timing: pages (most likely of the mapped weights) were read from disk; free the page cache or memory and rerun]", faults) : "";
    }

    static long procStatusKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

}
