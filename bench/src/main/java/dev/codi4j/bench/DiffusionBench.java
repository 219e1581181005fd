package dev.codi4j.bench;

import dev.codi4j.cli.DeviceOptions;
import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.kernels.gpu.GpuBackend;
import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.models.diffusion.RandomWeights;
import dev.codi4j.models.diffusion.unet.Resampling;
import dev.codi4j.models.diffusion.unet.UNet2DConditionModel;
import dev.codi4j.models.diffusion.vae.AutoencoderKL;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.HostMemory;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j bench diffusion}: the real Stable Diffusion 2.1-unCLIP UNet (865M parameters) and VAE
 * shapes on random weights: one UNet step with classifier-free guidance (batch 2) at 768² and 512²,
 * the VAE decode, peak resident memory, GFLOP/s (work counted from the same graph) against the FMA
 * peak measured in the same run, and PyTorch CPU side by side — diffusers' own UNet2DConditionModel /
 * AutoencoderKL run by {@code bench/diffusion_torch.py} in PEERS.md's best configuration, same threads.
 *
 * <p>With {@code --device opencl} (or cuda) the UNet and VAE run on that backend; the FMA peak and the
 * PyTorch CPU peer measure the CPU and are skipped there with a line saying so, and the memory lines
 * give the device's tensor bytes. {@code --size tiny} runs the tiny UNet and VAE of the tests (default
 * sides 64; a smoke run, e.g. on PoCL).
 */
@Command(name = "diffusion", mixinStandardHelpOptions = true,
        description = {"SD 2.1-unCLIP UNet step (CFG, batch 2) at 768² and 512², VAE decode, peak RSS, GFLOP/s vs FMA peak, and PyTorch CPU side by side.",
                "PyTorch runs diffusers' own model code read-only: set DIFFUSERS_SRC to the src/ folder of a diffusers v0.27.2 checkout (see tools/fixtures/diffusion_env.py)."})
public final class DiffusionBench implements BenchSubcommand, Callable<Integer> {
    @Mixin DeviceOptions device = new DeviceOptions();
    @Option(names = "--size", description = "sd21 (the real SD 2.1-unCLIP UNet and VAE) or tiny (the tiny test UNet and VAE, no PyTorch peer:"
            + " a smoke run, e.g. on PoCL) (default: ${DEFAULT-VALUE})") String size = "sd21";
    @Option(names = "--sizes", split = ",", description = "image sides to time the UNet at; 0 skips the UNet (default: 768,512; 64 with --size tiny)") List<Integer> sizes;
    @Option(names = "--weights", description = "UNet/VAE weight dtype: f16 (a fp16 checkpoint as is), f32, bf16, q8_0 (default: ${DEFAULT-VALUE})") String weights = "f16";
    @Option(names = "--reps", description = "timed repetitions after one warm-up (best is reported; default: ${DEFAULT-VALUE})") int reps = 1;
    @Option(names = "--vae-size", description = "image side for the VAE decode (default: 768, 64 with --size tiny; 0 skips)") Integer vaeSize;
    @Option(names = "--peer", description = "PyTorch peer: auto (when torch and DIFFUSERS_SRC are found), on, off (default: ${DEFAULT-VALUE})") String peer = "auto";
    @Option(names = "--python", description = "python with torch 1.13+ (default: ${DEFAULT-VALUE})") String python = "/usr/bin/python3";
    @Option(names = "--profile", description = "also print the time per op kind of one UNet step per size (extra run)") boolean profile;

    private final PrintStream out = System.out;

    @Override public int order() { return 40; }

    @Option(names = "--peer-env", paramLabel = "KEY=VALUE", description = "extra environment for the PyTorch peer (repeatable), e.g. OMP_WAIT_POLICY=PASSIVE on a machine shared with other jobs")
    List<String> peerEnv = new ArrayList<>();

    private double peak;
    private Parallel pool;
    /** Whether the backend computes on the host (so the CPU FMA peak applies). */
    private boolean host = true;

    @Override public Integer call() throws Exception {
        int t = device.threads() > 0 ? device.threads() : Runtime.getRuntime().availableProcessors();
        boolean tiny = switch (size.toLowerCase(Locale.ROOT)) {
            case "sd21" -> false;
            case "tiny" -> true;
            default -> throw new IllegalArgumentException("--size must be sd21 or tiny, not '" + size + "'");
        };
        if (sizes == null) sizes = tiny ? List.of(64) : List.of(768, 512);
        int vaeSize = this.vaeSize != null ? this.vaeSize : tiny ? 64 : 768;
        UNet2DConditionConfig unetConfig = tiny ? UNet2DConditionConfig.tiny() : UNet2DConditionConfig.sd21UnclipH();
        AutoencoderKLConfig vaeConfig = tiny ? AutoencoderKLConfig.tiny() : AutoencoderKLConfig.sd21();
        int ctxDim = unetConfig.cross_attention_dim()[0], classDim = unetConfig.projection_class_embeddings_input_dim();
        boolean hostDevice = device.name().equals("cpu") || device.name().equals("reference");
        DType wdt = switch (weights.toLowerCase(Locale.ROOT)) {
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "q8_0" -> DType.Q8_0;
            default -> throw new IllegalArgumentException("--weights must be f16, f32, bf16 or q8_0, got " + weights);
        };
        List<Integer> unetSizes = sizes.stream().filter(v -> v != 0).toList();
        for (int side : unetSizes) if (side % 64 != 0 || side < 0) throw new IllegalArgumentException("--sizes must be positive multiples of 64 (or 0: no UNet), got " + side);
        if (vaeSize < 0 || vaeSize % 8 != 0) throw new IllegalArgumentException("--vae-size must be 0 or a multiple of 8, got " + vaeSize);
        if (reps < 0) throw new IllegalArgumentException("--reps must be ≥ 0");
        if (!hostDevice || tiny) {
            if (peer.equals("on")) throw new IllegalStateException("cannot run the PyTorch peer with " + (tiny ? "--size tiny (it runs the real SD shapes)" : "--device " + device.name() + " (it runs on the CPU)"));
        }
        TorchPeer torch = hostDevice && !tiny && !peer.equals("off") && torchAvailable() ? TorchPeer.start(python, torchScript(), t, peerEnv, out) : null;
        try (Backend backend = device.name().equals("cpu") ? Backends.create("cpu", new BackendProvider.Options(t, device.index())) : device.create()) {
            host = backend.device().isHost();
            pool = !host ? null : backend instanceof CpuBackend cpu ? cpu.pool() : new Parallel(t);
            if (host) out.printf(Locale.ROOT, "codi4j bench diffusion: backend %s, %d threads, weights %s, Java %s%n", backend.name(), t, wdt, Runtime.version());
            else out.printf(Locale.ROOT, "codi4j bench diffusion: backend %s, device %s, weights %s, Java %s%n", backend.name(), backend, wdt, Runtime.version());
            if (tiny) out.println("size: the tiny test UNet and VAE (a smoke run of the same code, not a benchmark of SD); no PyTorch peer");
            if (!host) out.printf("ceiling and peer: skipped on %s: the FMA peak and PyTorch run on the CPU, not this device; each round stops after %s.synchronize()%n", backend.name(), backend.name());
            if (host) out.println("method: rounds alternate PyTorch then codi4j on the same threads (one warm-up round, then --reps timed rounds; best of each);");
            else out.println("method: one warm-up round, then --reps timed rounds; best kept.");
            if (host) out.println("        the fp32 FMA peak is re-measured around every section and fractions use the highest value seen so far.");

            long t0 = System.nanoTime();
            final UNet2DConditionModel unet = unetSizes.isEmpty() ? null
                    : new UNet2DConditionModel(backend, new RandomWeights(DType.F16, false), unetConfig, wdt == DType.F16 ? null : wdt);
            if (unet != null) out.printf(Locale.ROOT, "%-44s %9.1f s   (random %s weights, %.0f MiB live)%n", "unet build", (System.nanoTime() - t0) / 1e9, wdt, liveBytes(backend) / 1048576.0);

            for (int side : unetSizes) {
                int lat = side / 8;
                String name = "unet step " + side + "² cfg batch 2";
                double flops = unetFlops(backend, unet, lat, ctxDim, classDim);
                Tensor x = random(backend, 1, 2, 4, lat, lat), ctx = random(backend, 2, 2, 77, ctxDim), cls = random(backend, 3, 2, classDim);
                HostMemory.resetPeak();
                measurePeak();
                double[] best = rounds(name, torch, "unet", side, () -> {
                    try (Scope sc = Scope.open()) {
                        unet.forward(backend, x, new float[] {981}, ctx, cls);
                        backend.synchronize();
                    }
                });
                measurePeak();
                result(name, best[0], flops, best[1]);
                out.printf(Locale.ROOT, "%-44s %9.0f MiB %stensors (weights + activations%s), %.0f MiB peak RSS so far%n", "  memory " + side + "²",
                        peakBytes(backend) / 1048576.0, host ? "" : "device ", host ? "" : "; peak of the run", peakRssMiB());
                if (torch != null && torch.alive()) out.printf(Locale.ROOT, "%-44s %9.0f MiB%n", "  peer torch peak RSS so far", torch.peakRssMiB());
                if (profile) {
                    OpProfiler prof = new OpProfiler(backend);
                    long s = System.nanoTime();
                    try (Scope sc = Scope.open()) {
                        unet.forward(prof, x, new float[] {981}, ctx, cls);
                    }
                    out.printf(Locale.ROOT, "profile of one unet step %d² (%.2f s wall):%n", side, (System.nanoTime() - s) / 1e9);
                    prof.print(out);
                }
            }
            HostMemory.trim();

            if (vaeSize > 0) {
                AutoencoderKL vae = new AutoencoderKL(backend, new RandomWeights(DType.F16, false), vaeConfig, wdt == DType.F16 ? null : wdt);
                int lat = vaeSize / vaeConfig.downsampleFactor();
                Tensor z = random(backend, 4, 1, 4, lat, lat);
                double flops = vaeFlops(backend, vae, lat);
                HostMemory.resetPeak();
                measurePeak();
                String name = "vae decode " + vaeSize + "²";
                double[] best = rounds(name, torch, "vae", vaeSize, () -> {
                    try (Scope sc = Scope.open()) {
                        vae.decode(backend, z);
                        backend.synchronize();
                    }
                });
                measurePeak();
                result(name, best[0], flops, best[1]);
                out.printf(Locale.ROOT, "%-44s %9.0f MiB %stensors (UNet + VAE weights + activations%s)%n", "  memory vae " + vaeSize + "²", peakBytes(backend) / 1048576.0, host ? "" : "device ", host ? "" : "; peak of the run");
                if (profile) {
                    OpProfiler prof = new OpProfiler(backend);
                    long s = System.nanoTime();
                    try (Scope sc = Scope.open()) {
                        vae.decode(prof, z);
                    }
                    out.printf(Locale.ROOT, "profile of one vae decode %d² (%.2f s wall):%n", vaeSize, (System.nanoTime() - s) / 1e9);
                    prof.print(out);
                }
            }
            out.printf(Locale.ROOT, "%-44s %9.0f MiB (VmHWM of this JVM: weights, activations, pooled buffers, heap)%n", "peak RSS", peakRssMiB());
            if (torch != null && torch.alive()) out.printf(Locale.ROOT, "%-44s %9.0f MiB%n", "peer torch peak RSS", torch.peakRssMiB());
            if (host) out.printf(Locale.ROOT, "%-44s %9.1f GFLOP/s (highest of the run)%n", "ceiling fp32 FMA peak", peak / 1e9);
        } finally {
            if (torch != null) torch.close();
        }
        return 0;
    }

    private void measurePeak() { if (host) peak = Math.max(peak, Rooflines.fmaPeak(pool, 20_000_000L, 3)); }

    /** Bytes of live tensors: host memory, or the device pool of a GPU backend. */
    private static long liveBytes(Backend b) { return b instanceof GpuBackend g ? g.liveBytes() : HostMemory.liveBytes(); }

    /** Highest live bytes: host memory since the last reset, or the device pool's peak of the whole run on a GPU backend. */
    private static long peakBytes(Backend b) { return b instanceof GpuBackend g ? g.peakBytes() : HostMemory.peakBytes(); }

    /** Warm-up round then {@code reps} timed rounds, each PyTorch first then codi4j; returns {best codi4j, best torch or NaN}. */
    private double[] rounds(String name, TorchPeer torch, String kind, int side, Runnable ours) {
        double bestOurs = Double.MAX_VALUE, bestTorch = Double.MAX_VALUE;
        for (int r = 0; r <= reps; r++) {
            double tt = torch == null ? Double.NaN : torch.time(kind, side);
            long s = System.nanoTime();
            ours.run();
            double sec = (System.nanoTime() - s) / 1e9;
            boolean counts = r > 0 || reps == 0;
            if (counts) {
                bestOurs = Math.min(bestOurs, sec);
                if (!Double.isNaN(tt)) bestTorch = Math.min(bestTorch, tt);
            }
            out.printf(Locale.ROOT, "  %-42s codi4j %8.2f s   torch %8s%s%n", name + " round " + r, sec,
                    Double.isNaN(tt) ? "-" : String.format(Locale.ROOT, "%.2f s", tt), counts ? "" : "   (warm-up)");
        }
        return new double[] {bestOurs, bestTorch == Double.MAX_VALUE ? Double.NaN : bestTorch};
    }

    private void result(String name, double sec, double flops, double torchSec) {
        double gf = flops / sec / 1e9;
        String peerTxt = Double.isNaN(torchSec) ? "  torch: not run" : String.format(Locale.ROOT, "  torch %.2f s → codi4j/torch speed %.2f×", torchSec, torchSec / sec);
        if (!host) {
            out.printf(Locale.ROOT, "%-44s %9.2f s   %7.1f GFLOP/s  (%.2f GFLOP of the upstream graph)%s%n", name, sec, gf, flops / 1e9, peerTxt);
            return;
        }
        out.printf(Locale.ROOT, "%-44s %9.2f s   %7.1f GFLOP/s  %.2f of FMA peak  (%.0f GFLOP of the upstream graph)%s%n", name, sec, gf, gf * 1e9 / peak, flops / 1e9, peerTxt);
    }

    /** The multiply-add work of the upstream graph (upsampling then a 3×3 convolution, as diffusers and PyTorch run it). */
    private static double unetFlops(Backend b, UNet2DConditionModel unet, int lat, int ctxDim, int classDim) {
        FlopCounter fc = new FlopCounter(b);
        boolean old = Resampling.phaseDecomposition(false);
        try (Scope s = Scope.open()) {
            unet.forward(fc, random(b, 1, 2, 4, lat, lat), new float[] {981}, random(b, 2, 2, 77, ctxDim), random(b, 3, 2, classDim));
        } finally {
            Resampling.phaseDecomposition(old);
        }
        return fc.flops();
    }

    private static double vaeFlops(Backend b, AutoencoderKL vae, int lat) {
        FlopCounter fc = new FlopCounter(b);
        boolean old = Resampling.phaseDecomposition(false);
        try (Scope s = Scope.open()) {
            vae.decode(fc, random(b, 4, 1, 4, lat, lat));
        } finally {
            Resampling.phaseDecomposition(old);
        }
        return fc.flops();
    }

    static Tensor random(Backend b, long seed, int... shape) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return b.toDevice(Tensor.fromFloats(v, shape));
    }

    /** VmHWM from /proc/self/status, or NaN where there is no procfs. */
    static double peakRssMiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private Path torchScript() { return Path.of(System.getProperty("codi4j.home", ".")).resolve("bench/diffusion_torch.py"); }

    /** Whether the PyTorch peer can run; says why not (or fails when --peer on). */
    private boolean torchAvailable() {
        Path script = torchScript();
        String src = System.getenv("DIFFUSERS_SRC");
        if (Files.isRegularFile(script) && src != null && Files.isDirectory(Path.of(src, "diffusers")) && Files.isExecutable(Path.of(python))) return true;
        String why = !Files.isRegularFile(script) ? script + " not found (run from the repository)" : src == null ? "DIFFUSERS_SRC is not set"
                : !Files.isDirectory(Path.of(src, "diffusers")) ? "DIFFUSERS_SRC has no diffusers/ folder" : python + " not found";
        if (peer.equals("on")) throw new IllegalStateException("cannot run the PyTorch peer: " + why);
        out.println("peer torch skipped: " + why);
        return false;
    }
}
