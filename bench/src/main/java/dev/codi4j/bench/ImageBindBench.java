package dev.codi4j.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.cli.DeviceOptions;
import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.clip.TransformerConfig;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.models.imagebind.ImageBindModel;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.imagebind.RandomImageBind;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j bench imagebind}: ImageBind-huge's vision tower (ViT-H/14, 257 tokens) and audio tower
 * (768-d, 12 blocks, 229 tokens) at real size on random weights of the real names and shapes, reporting
 * images/s and clips/s, the GFLOP/s reached and its fraction of the FP32 FMA peak measured in the same
 * run, and — where Debian's PyTorch is installed — the same towers in PyTorch CPU (bench/imagebind_torch.py,
 * run in the configuration PEERS.md found best) with the speed ratio.
 *
 * <p>With {@code --device opencl} (or cuda) the towers run on that backend; the FMA peak and the
 * PyTorch CPU peer measure the CPU and are skipped there with a line saying so. {@code --size small}
 * builds towers of width 128 and 2 blocks with the real inputs (a smoke run, e.g. on PoCL).
 */
@Command(name = "imagebind", mixinStandardHelpOptions = true,
        description = {"ImageBind-huge vision and audio towers at real size (random weights): images/s, clips/s, GFLOP/s,",
                "fraction of the FMA peak measured in the same run, and PyTorch CPU side by side with the ratio."})
public final class ImageBindBench implements BenchSubcommand, Callable<Integer> {
    @Mixin DeviceOptions device = new DeviceOptions();
    @Option(names = "--size", description = "huge (the real towers) or small (width 128, 2 blocks, real inputs: a smoke run, e.g. on PoCL) (default: ${DEFAULT-VALUE})")
    String size = "huge";
    @Option(names = "--images", description = "images per vision forward (default: ${DEFAULT-VALUE})") int images = 1;
    @Option(names = "--clips", description = "2-second clips per audio forward (default: ${DEFAULT-VALUE}: one recording)") int clips = 3;
    @Option(names = "--reps", description = "timed repetitions after a warm-up, best taken (default: ${DEFAULT-VALUE})") int reps = 3;
    @Option(names = "--dtype", description = "weights as f32, f16 or bf16 (default: ${DEFAULT-VALUE}; PyTorch runs f32)") String dtype = "f32";
    @Option(names = "--no-torch", description = "skip the PyTorch peer") boolean noTorch;
    @Option(names = "--python", description = "Python with torch (default: ${DEFAULT-VALUE})") String python = "/usr/bin/python3";
    @Option(names = "--peer-env", paramLabel = "KEY=VALUE", description = "extra environment for the PyTorch peer (repeatable), e.g. OMP_WAIT_POLICY=PASSIVE on a machine shared with other jobs")
    List<String> peerEnv = new ArrayList<>();
    @Option(names = "--profile", description = "also print where one forward of each tower spends its time, per backend op") boolean profile;

    private final PrintStream out = System.out;

    @Override public int order() { return 30; }

    @Override public Integer call() throws Exception {
        int t = device.threads() > 0 ? device.threads() : Runtime.getRuntime().availableProcessors();
        DType dt = DType.parse(dtype);
        ImageBindConfig c = switch (size.toLowerCase(Locale.ROOT)) {
            case "huge" -> ImageBindConfig.huge();
            case "small" -> small();
            default -> throw new IllegalArgumentException("--size must be huge or small, not '" + size + "'");
        };
        String towers = size.equalsIgnoreCase("huge") ? "ImageBind-huge towers" : "small ImageBind towers (width 128, 2 blocks)";
        try (Backend b = device.name().equals("cpu") ? Backends.create("cpu", new BackendProvider.Options(t, device.index())) : device.create()) {
            boolean host = b.device().isHost();
            Parallel pool = !host ? null : b instanceof CpuBackend cpu ? cpu.pool() : new Parallel(t);
            if (host) out.printf(Locale.ROOT, "codi4j bench imagebind: %s, random %s weights, backend %s, %d threads, Java %s%n",
                    towers, dt.name().toLowerCase(Locale.ROOT), b.name(), t, Runtime.version());
            else {
                out.printf(Locale.ROOT, "codi4j bench imagebind: %s, random %s weights, backend %s, device %s, Java %s%n",
                        towers, dt.name().toLowerCase(Locale.ROOT), b.name(), b, Runtime.version());
                out.printf("ceiling and peer: skipped on %s: the FMA peak and PyTorch run on the CPU, not this device; each time stops after the output is back on the host%n", b.name());
            }
            double peak = host ? Rooflines.fmaPeak(pool, 40_000_000L, 3) : Double.NaN;

            long t0 = System.nanoTime();
            Map<String, Tensor> tensors = RandomImageBind.weights(c, EnumSet.of(Modality.VISION, Modality.AUDIO), 1, dt);
            ImageBindModel model;
            try (Weights w = Weights.of(tensors)) {
                model = ImageBindModel.load(b, w, c, null);
            }
            out.printf(Locale.ROOT, "random weights made and loaded in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            double visionFlop = flop(model, Modality.VISION, c.vision().embedDim(), 3 * c.kernelSize()[0] * c.kernelSize()[1] * c.kernelSize()[2]);
            double audioFlop = flop(model, Modality.AUDIO, c.audio().embedDim(), c.audioKernelSize() * c.audioKernelSize());
            Tensor vx = b.toDevice(random(1, images, 3, 224, 224)), ax = b.toDevice(random(2, clips, 1, c.audioNumMelBins(), c.audioTargetLen()));
            run(b, model, Modality.VISION, vx); // warm-up: JIT, buffers
            run(b, model, Modality.AUDIO, ax);
            Peer torch = noTorch || !host ? null : Peer.start(this, t);
            // rounds alternate codi4j and the peer on the same input sizes; the best of each is kept
            double vs = Double.MAX_VALUE, as = Double.MAX_VALUE, tv = Double.MAX_VALUE, ta = Double.MAX_VALUE;
            try {
                for (int r = 0; r < reps; r++) {
                    vs = Math.min(vs, time(() -> run(b, model, Modality.VISION, vx)));
                    if (torch != null) tv = Math.min(tv, torch.run("vision"));
                    as = Math.min(as, time(() -> run(b, model, Modality.AUDIO, ax)));
                    if (torch != null) ta = Math.min(ta, torch.run("audio"));
                }
            } finally {
                if (torch != null) torch.close();
            }
            if (host) {
                peak = Math.max(peak, Rooflines.fmaPeak(pool, 40_000_000L, 3)); // the ceiling again after the load, best kept
                out.printf(Locale.ROOT, "%-44s %9.1f GFLOP/s (best of the measurements before and after)%n", "ceiling fp32 FMA peak", peak / 1e9);
            }
            report((size.equalsIgnoreCase("huge") ? "vision ViT-H/14 224² batch " : "vision small ViT/14 224² batch ") + images, images, "images/s", vs, images * visionFlop, peak);
            report("audio 128x204 mel batch " + clips, clips, "clips/s", as, clips * audioFlop, peak);
            if (torch != null) {
                out.printf(Locale.ROOT, "peer pytorch %s, %d threads (bench/imagebind_torch.py, PEERS.md configuration, rounds alternated with codi4j)%n", torch.version, torch.threads);
                peer("vision", images / tv, "images/s", images * visionFlop / tv, peak, tv / vs);
                peer("audio", clips / ta, "clips/s", clips * audioFlop / ta, peak, ta / as);
            }
            if (profile) {
                profile(b, model, Modality.VISION, vx);
                profile(b, model, Modality.AUDIO, ax);
            }
        }
        return 0;
    }

    /** Towers of width 128 and 2 blocks (4 heads) with the real stems and inputs: a smoke run of the same code on slow devices. */
    static ImageBindConfig small() {
        ImageBindConfig h = ImageBindConfig.huge();
        ImageBindConfig.Tower tw = new ImageBindConfig.Tower(128, 2, 4);
        return new ImageBindConfig(128, tw, tw, tw, tw, tw, tw, h.videoFrames(), h.kernelSize(), h.audioKernelSize(), h.audioStride(),
                h.audioNumMelBins(), h.audioTargetLen(), h.depthKernelSize(), h.thermalKernelSize(), h.imuKernelSize(), h.textVocabSize(), h.textContextLength());
    }

    /** FLOPs of one single-clip forward: stem convolution + trunk (attention included) + head. */
    private static double flop(ImageBindModel m, Modality mod, int width, int patchVolume) {
        TransformerConfig tc = m.trunkConfig(mod);
        int tokens = m.tokenCount(mod);
        return 2.0 * (tokens - 1) * width * (double) patchVolume + 2 * tc.macs(1, tokens) + 2.0 * width * m.config().outEmbedDim();
    }

    private static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void run(Backend b, ImageBindModel m, Modality mod, Tensor x) {
        try (Scope s = Scope.open()) {
            Tensor e = m.encode(b, mod, x);
            b.synchronize();
            Tensor h = b.toHost(e);
            try {
                if (!Float.isFinite(h.toFloatArray()[0])) throw new IllegalStateException(mod.key() + " tower produced a non-finite output");
            } finally {
                if (h != e) h.close();
            }
        }
    }

    /** One forward through a proxy that times every top-level backend call by op name. */
    private void profile(Backend b, ImageBindModel m, Modality mod, Tensor x) {
        Map<String, long[]> acc = new java.util.TreeMap<>();
        int[] depth = {0};
        Backend timed = (Backend) java.lang.reflect.Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (proxy, method, args) -> {
            if (method.isDefault()) {
                depth[0]++;
                try { return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args); } finally { depth[0]--; }
            }
            long t0 = System.nanoTime();
            try {
                return method.invoke(b, args);
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long[] a = acc.computeIfAbsent(method.getName(), k -> new long[2]);
                a[0] += System.nanoTime() - t0;
                a[1]++;
            }
        });
        long t0 = System.nanoTime();
        run(timed, m, mod, x);
        double total = (System.nanoTime() - t0) / 1e9;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "profile %s (%.2f s):", mod.key(), total));
        acc.entrySet().stream().sorted((p, q) -> Long.compare(q.getValue()[0], p.getValue()[0]))
                .forEach(e -> sb.append(String.format(Locale.ROOT, "  %s %.2f s (%d)", e.getKey(), e.getValue()[0] / 1e9, e.getValue()[1])));
        out.println(sb);
    }

    private static Tensor random(long seed, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.fromFloats(v, shape);
    }

    private void report(String name, int n, String unit, double seconds, double flop, double peak) {
        double gfs = flop / seconds / 1e9;
        if (Double.isNaN(peak)) {
            out.printf(Locale.ROOT, "%-44s %9.3f %-9s %7.1f GFLOP/s  (%.3f s, %.1f GFLOP)%n", "codi4j " + name, n / seconds, unit, gfs, seconds, flop / 1e9);
            return;
        }
        out.printf(Locale.ROOT, "%-44s %9.3f %-9s %7.1f GFLOP/s %5.2f of fma peak  (%.3f s, %.1f GFLOP)%n",
                "codi4j " + name, n / seconds, unit, gfs, gfs * 1e9 / peak, seconds, flop / 1e9);
    }

    private void peer(String name, double rate, String unit, double flopPerSecond, double peak, double ratio) {
        out.printf(Locale.ROOT, "%-44s %9.3f %-9s %7.1f GFLOP/s %5.2f of fma peak  codi4j/pytorch speed %.2f%n",
                "pytorch " + name, rate, unit, flopPerSecond / 1e9, flopPerSecond / peak, ratio);
    }

    /** bench/imagebind_torch.py in --serve mode, started in PEERS.md's best configuration. */
    private static final class Peer implements AutoCloseable {
        final Process process;
        final java.io.BufferedReader in;
        final java.io.Writer cmd;
        final String version;
        final int threads;

        private Peer(Process p, java.io.BufferedReader in, String version, int threads) {
            this.process = p;
            this.in = in;
            this.cmd = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
            this.version = version;
            this.threads = threads;
        }

        /** The peer ready to run, or null (with the reason printed) when it cannot run here. */
        static Peer start(ImageBindBench bench, int t) throws IOException {
            PrintStream out = bench.out;
            Path script = findScript();
            if (script == null) { out.println("peer pytorch skipped: bench/imagebind_torch.py not found (run from the repository or set -Dcodi4j.home)"); return null; }
            if (!Files.isExecutable(Path.of(bench.python))) { out.println("peer pytorch skipped: " + bench.python + " not found (apt-get install python3-torch)"); return null; }
            ProcessBuilder pb = new ProcessBuilder(bench.python, script.toString(), "--serve", "--threads", Integer.toString(t),
                    "--images", Integer.toString(bench.images), "--clips", Integer.toString(bench.clips)).redirectError(ProcessBuilder.Redirect.INHERIT);
            Map<String, String> env = pb.environment();
            env.remove("OPENBLAS_CORETYPE");
            env.remove("OPENBLAS_L2_SIZE");
            Path openmp = Path.of("/usr/lib/x86_64-linux-gnu/openblas-openmp");
            if (Files.isDirectory(openmp)) env.put("LD_LIBRARY_PATH", openmp + (env.containsKey("LD_LIBRARY_PATH") ? ":" + env.get("LD_LIBRARY_PATH") : ""));
            Path jemalloc = Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
            if (Files.isRegularFile(jemalloc)) {
                env.put("LD_PRELOAD", jemalloc.toString());
                env.put("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1");
            }
            env.put("ATEN_CPU_CAPABILITY", "avx512");
            for (String kv : bench.peerEnv) {
                int eq = kv.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("--peer-env needs KEY=VALUE, got '" + kv + "'");
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            if (!bench.peerEnv.isEmpty()) out.println("peer environment additions: " + bench.peerEnv);
            out.printf(Locale.ROOT, "starting the pytorch peer (openblas-openmp %s, jemalloc %s, avx512, inference_mode, warm-up)...%n",
                    Files.isDirectory(openmp) ? "yes" : "absent", Files.isRegularFile(jemalloc) ? "yes" : "absent");
            Process p = pb.start();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null || !line.startsWith("{")) {
                p.destroy();
                out.println("peer pytorch skipped: the script did not start (" + (line == null ? "exit " + waitExit(p) : line) + ")");
                return null;
            }
            JsonObject ready = JsonParser.parseString(line).getAsJsonObject();
            return new Peer(p, in, ready.get("torch").getAsString(), ready.get("threads").getAsInt());
        }

        double run(String tower) {
            try {
                cmd.write(tower + "\n");
                cmd.flush();
                String line = in.readLine();
                if (line == null) throw new IllegalStateException("the pytorch peer stopped (exit " + waitExit(process) + ")");
                return Double.parseDouble(line.strip());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        private static String waitExit(Process p) {
            try {
                return p.waitFor(10, TimeUnit.SECONDS) ? Integer.toString(p.exitValue()) : "still running";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }

        @Override public void close() {
            try {
                cmd.write("\n");
                cmd.flush();
                if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroy();
            } catch (IOException | InterruptedException e) {
                process.destroy();
            }
        }
    }

    private static Path findScript() {
        List<Path> candidates = new ArrayList<>();
        String home = System.getProperty("codi4j.home");
        if (home != null) candidates.add(Path.of(home, "bench", "imagebind_torch.py"));
        candidates.add(Path.of("bench", "imagebind_torch.py"));
        candidates.add(Path.of("imagebind_torch.py"));
        for (Path p : candidates) if (Files.isRegularFile(p)) return p.toAbsolutePath();
        return null;
    }
}
