package dev.codi4j.bench;

import dev.codi4j.cli.DeviceOptions;
import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.kernels.cpu.Parallel;
import dev.codi4j.kernels.cpu.matmul.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j bench kernels}: the CPU matrix kernels at real model shapes, each next to the ceiling
 * measured in the same run — GEMV (LLM decode) against memory read bandwidth, GEMM, convolution and
 * attention against the FMA peak and against OpenBLAS's sgemm on the same buffers and threads.
 * Weights are random; every GEMV cycles through enough copies of its matrix (≥ 256 MiB) that none
 * is served from the L3 cache.
 *
 * <p>With {@code --device opencl} (or cuda) the same GEMV, GEMM, convolution and attention shapes run
 * on that backend, each timed up to a {@link Backend#synchronize()}; the ceilings, the OpenBLAS peer and
 * the thread hand-off and GEMV/GEMM crossover probes measure the CPU and are skipped there, with a line
 * saying so. {@code --size small} divides the shapes by 4 (a smoke run in seconds, e.g. on PoCL).
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = {"GEMV, GEMM, conv and attention kernels vs memory bandwidth, FMA peak and OpenBLAS, measured in one run.",
                "Each result line: name, value, unit, fraction of its roofline (and the peer where there is one)."})
public final class KernelsBench implements BenchSubcommand, Callable<Integer> {
    @Mixin DeviceOptions device = new DeviceOptions();
    @Option(names = "--size", description = "full (the real model shapes) or small (every dimension and the attention length / 4, "
            + "32 MiB of GEMV copies: a smoke run, e.g. on PoCL) (default: ${DEFAULT-VALUE})") String size = "full";
    @Option(names = "--quick", description = "fewer repetitions and a shorter attention budget") boolean quick;
    @Option(names = "--attention-seconds", description = "skip attention if it would take longer than this (default: ${DEFAULT-VALUE})") double attentionSeconds = 120;

    private final PrintStream out = System.out;
    private double bandwidth, peak;
    /** Whether the backend computes on the host, so the CPU ceilings and peers apply. */
    private boolean host = true;
    /** Shape divisor (1 = real shapes) and the bytes of GEMV weight copies cycled through per shape. */
    private int div = 1;
    private long cycleBytes = 256L << 20;
    /** Result lines, printed at the end against the best ceilings seen in the whole run. */
    private final List<Result> results = new ArrayList<>();

    private enum Roof { MEMORY, FMA, NONE }

    private record Result(String name, double value, String unit, Roof roof, String note) {}

    @Override public int order() { return 10; }

    @Override public Integer call() {
        int t = device.threads() > 0 ? device.threads() : Runtime.getRuntime().availableProcessors();
        switch (size.toLowerCase(Locale.ROOT)) {
            case "full" -> { div = 1; cycleBytes = 256L << 20; }
            case "small" -> { div = 4; cycleBytes = 32L << 20; }
            default -> throw new IllegalArgumentException("--size must be full or small, not '" + size + "'");
        }
        try (Backend backend = device.name().equals("cpu") ? Backends.create("cpu", new BackendProvider.Options(t, device.index())) : device.create()) {
            host = backend.device().isHost();
            if (!host) return onDevice(backend);
            Parallel pool = backend instanceof CpuBackend cpu ? cpu.pool() : new Parallel(t);
            int reps = quick ? 3 : 5;
            out.printf(Locale.ROOT, "codi4j bench kernels: backend %s, %d threads, %d-bit float vectors, Java %s%n",
                    backend.name(), t, FloatVector.SPECIES_PREFERRED.vectorBitSize(), Runtime.version());
            ceilings(pool, reps);
            dispatch(pool);
            gemvs(backend, reps);
            ceilings(pool, reps); // again in the middle: on a shared machine the best of both is the ceiling
            OpenBlas.Result blas = OpenBlas.load();
            gemm(backend, DType.F32, 512 / div, 4096 / div, 4096 / div, reps, blas, t);
            gemm(backend, DType.F16, 512 / div, 4096 / div, 4096 / div, quick ? 2 : 3, OpenBlas.Result.none(), t);
            crossover(backend, quick ? 3 : 6);
            convs(backend);
            attention(backend, 1, 5, 9216 / div, 64);
            ceilings(pool, reps);
            print(blas);
        }
        return 0;
    }

    /**
     * A GPU backend: the same kernels at the same shapes, each timed up to a synchronize; no ceilings
     * (they are the CPU's), no OpenBLAS peer, no dispatch or GEMV/GEMM crossover probes (CPU thread pool
     * and CPU kernel choice).
     */
    private int onDevice(Backend backend) {
        int reps = quick ? 3 : 5;
        out.printf(Locale.ROOT, "codi4j bench kernels: backend %s, device %s, Java %s%n", backend.name(), backend, Runtime.version());
        out.printf("ceilings: skipped on %s: the memory-read and FMA ceilings, the OpenBLAS peer and the dispatch and crossover probes measure the CPU, not this device;%n"
                + "          each time below stops after %s.synchronize() (the device has finished the work)%n", backend.name(), backend.name());
        gemvs(backend, reps);
        gemm(backend, DType.F32, 512 / div, 4096 / div, 4096 / div, reps, OpenBlas.Result.none(), 0);
        gemm(backend, DType.F16, 512 / div, 4096 / div, 4096 / div, quick ? 2 : 3, OpenBlas.Result.none(), 0);
        convs(backend);
        attention(backend, 1, 5, 9216 / div, 64);
        print(OpenBlas.Result.none());
        return 0;
    }

    private void gemvs(Backend backend, int reps) {
        for (int[] nk : new int[][] {{4096 / div, 4096 / div}, {11008 / div, 4096 / div}}) {
            for (DType dt : new DType[] {DType.F16, DType.Q8_0, DType.Q4_0}) gemv(backend, dt, nk[0], nk[1], reps);
        }
    }

    private void convs(Backend backend) {
        conv(backend, 2, 320 / div, 96 / div, 96 / div, 320 / div, quick ? 1 : 2);
        conv(backend, 2, 1280 / div, 24 / div, 24 / div, 1280 / div, quick ? 1 : 2);
    }

    /** The host tensor itself on a host backend, else a device copy (the host one is freed). */
    private static Tensor onto(Backend b, Tensor t) {
        if (b.device().isHost()) return t;
        Tensor d = b.toDevice(t);
        t.close();
        return d;
    }

    /** An F32 output buffer where the backend computes. */
    private static Tensor output(Backend b, int... shape) {
        return b.device().isHost() ? Tensor.allocate(DType.F32, shape) : b.empty(DType.F32, shape);
    }

    /** Measures both ceilings, keeping the best value seen so far. */
    private void ceilings(Parallel pool, int reps) {
        progress("measuring the ceilings");
        bandwidth = Math.max(bandwidth, Rooflines.memoryReadBandwidth(pool, 1L << 30, reps));
        peak = Math.max(peak, Rooflines.fmaPeak(pool, quick ? 20_000_000L : 40_000_000L, 3));
    }

    private void progress(String what) { System.err.println("  ... " + what); }

    private void result(String name, double value, String unit, Roof roof, String note) {
        results.add(new Result(name, value, unit, roof, note));
        progress(String.format(Locale.ROOT, "%s: %.1f %s", name, value, unit));
    }

    private void print(OpenBlas.Result blas) {
        out.println();
        if (host) {
            out.printf(Locale.ROOT, "%-44s %9.1f %-8s %s%n", "ceiling memory read (1 GiB sum, best)", bandwidth / 1e9, "GB/s", "1.00 of itself");
            out.printf(Locale.ROOT, "%-44s %9.1f %-8s %s%n", "ceiling fp32 FMA peak (best)", peak / 1e9, "GFLOP/s", "1.00 of itself");
        }
        for (Result r : results) {
            if (Double.isNaN(r.value())) { out.println(r.note().isEmpty() ? r.name() : String.format(Locale.ROOT, "%-44s %s", r.name(), r.note())); continue; }
            String frac = !host ? "" : switch (r.roof()) {
                case MEMORY -> String.format(Locale.ROOT, "%.2f of memory read", r.value() * 1e9 / bandwidth);
                case FMA -> String.format(Locale.ROOT, "%.2f of fma peak", r.value() * 1e9 / peak);
                case NONE -> "";
            };
            out.printf(Locale.ROOT, "%-44s %9.2f %-8s %s%s%n", r.name(), r.value(), r.unit(), frac, r.note().isEmpty() ? "" : (frac.isEmpty() ? "" : "; ") + r.note());
        }
        if (!host) return;
        if (blas.blas().isEmpty()) out.println("peer openblas skipped: " + blas.whyNot());
        else out.println("peer openblas: " + blas.blas().get().path() + " (" + blas.blas().get().config() + ")");
        boolean over = results.stream().anyMatch(r -> (r.roof() == Roof.MEMORY && r.value() * 1e9 > 1.02 * bandwidth) || (r.roof() == Roof.FMA && r.value() * 1e9 > 1.02 * peak));
        if (over) out.println("WARNING: a result exceeds its ceiling, so every ceiling measurement was disturbed by other work on this machine; rerun when it is quiet");
    }

    // ---- thread hand-off -------------------------------------------------------------------------

    /** Cost of one parallel hand-off with an empty body: our spinning pool vs a ForkJoinPool (the JDK default). */
    private void dispatch(Parallel pool) {
        int t = pool.threads(), calls = 20_000;
        java.util.concurrent.atomic.AtomicLong sink = new java.util.concurrent.atomic.AtomicLong();
        Parallel.RangeBody body = (w, s, e) -> sink.addAndGet(e - s);
        double ours = Double.MAX_VALUE, fjp = Double.MAX_VALUE;
        try (java.util.concurrent.ForkJoinPool fj = new java.util.concurrent.ForkJoinPool(t)) {
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < calls; i++) pool.forRange(t, t, 1, body);
                ours = Math.min(ours, (System.nanoTime() - t0) / 1e3 / calls);
                t0 = System.nanoTime();
                for (int i = 0; i < calls / 10; i++) {
                    java.util.List<java.util.concurrent.Callable<Long>> tasks = new java.util.ArrayList<>();
                    for (int j = 0; j < t; j++) tasks.add(() -> sink.addAndGet(1));
                    try {
                        fj.invokeAll(tasks);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                fjp = Math.min(fjp, (System.nanoTime() - t0) / 1e3 / (calls / 10));
            }
        }
        result("dispatch (empty parallel op)", ours, "us", Roof.NONE, String.format(Locale.ROOT, "ForkJoinPool %.2f us", fjp));
    }

    // ---- GEMV ----------------------------------------------------------------------------------

    private void gemv(Backend b, DType dt, int n, int k, int reps) {
        long bytes = dt.byteSize((long) n * k);
        int copies = (int) Math.max(2, cycleBytes / bytes + 1);
        List<Tensor> ws = new ArrayList<>();
        for (int c = 0; c < copies; c++) ws.add(onto(b, RandomTensors.weights(dt, n, k, 100 + c)));
        Tensor x = onto(b, RandomTensors.activations(1, k, 1)), y = output(b, 1, n);
        for (int i = 0; i < 3 * copies; i++) b.linear(x, ws.get(i % copies), null, y);
        b.synchronize();
        double best = Double.MAX_VALUE;
        int calls = Math.max(copies * 2, 16);
        for (int r = 0; r < reps * 2; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) b.linear(x, ws.get(i % copies), null, y);
            b.synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / calls);
        }
        double gbs = bytes / best / 1e9;
        result(String.format(Locale.ROOT, "gemv %s %dx%d m=1 (%.2f ms)", dt.name().toLowerCase(Locale.ROOT), n, k, best * 1e3), gbs, "GB/s", Roof.MEMORY, "");
        for (Tensor w : ws) w.close();
        x.close();
        y.close();
        if (n == 4096 / div) gemvInCache(b, dt, k, reps);
    }

    /**
     * The same kernel on one weight matrix of 1024 rows (2 to 8 MiB, L3-resident after the first
     * call): the rate the conversion and FMA work allows when DRAM is not the limit. A GEMV line close
     * to this value and well below the memory ceiling is compute-bound.
     */
    private void gemvInCache(Backend b, DType dt, int k, int reps) {
        int n = 1024 / div;
        Tensor w = onto(b, RandomTensors.weights(dt, n, k, 7)), x = onto(b, RandomTensors.activations(1, k, 1)), y = output(b, 1, n);
        int calls = 200;
        for (int i = 0; i < calls; i++) b.linear(x, w, null, y);
        b.synchronize();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < reps * 2; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) b.linear(x, w, null, y);
            b.synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9 / calls);
        }
        result(String.format(Locale.ROOT, "gemv %s %dx%d in %s (%.0f us)", dt.name().toLowerCase(Locale.ROOT), n, k, host ? "L3" : "cache", best * 1e6),
                dt.byteSize((long) n * k) / best / 1e9, "GB/s", Roof.NONE, "the compute ceiling of this kernel");
        w.close();
        x.close();
        y.close();
    }

    // ---- GEMM ----------------------------------------------------------------------------------

    private void gemm(Backend b, DType dt, int m, int n, int k, int reps, OpenBlas.Result blas, int t) {
        Tensor x = onto(b, RandomTensors.activations(m, k, 2)), w = onto(b, RandomTensors.weights(dt, n, k, 3)), y = output(b, m, n);
        double flop = 2.0 * m * n * k;
        b.linear(x, w, null, y); // warm-up
        b.synchronize();
        String what = String.format(Locale.ROOT, "gemm %s-weights %dx%dx%d", dt.name().toLowerCase(Locale.ROOT), m, n, k);
        if (blas.blas().isEmpty()) {
            double best = timeBest(b, reps, () -> b.linear(x, w, null, y));
            result(String.format(Locale.ROOT, "%s (%.1f ms)", what, best * 1e3), flop / best / 1e9, "GFLOP/s", Roof.FMA, "");
        } else {
            OpenBlas ob = blas.blas().get();
            ob.threads(t);
            Tensor y2 = Tensor.allocate(DType.F32, m, n);
            ob.sgemm(m, n, k, x.data(), w.data(), true, y2.data());
            // alternate ours and theirs so a neighbour's burst of work hits both alike; best of each
            double best = Double.MAX_VALUE, bb = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                best = Math.min(best, timeBest(b, 1, () -> b.linear(x, w, null, y)));
                bb = Math.min(bb, timeBest(b, 1, () -> ob.sgemm(m, n, k, x.data(), w.data(), true, y2.data())));
            }
            double ours = flop / best / 1e9, theirs = flop / bb / 1e9;
            result(String.format(Locale.ROOT, "%s (%.1f ms)", what, best * 1e3), ours, "GFLOP/s", Roof.FMA,
                    String.format(Locale.ROOT, "openblas %.1f GFLOP/s (%.1f ms, %.2f of peak), ours/openblas %.2f, max |diff| %.1e",
                            theirs, bb * 1e3, theirs * 1e9 / peak, ours / theirs, maxAbsDiff(y, y2)));
            y2.close();
        }
        x.close();
        w.close();
        y.close();
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        MemorySegment sa = a.data(), sb = b.data();
        double worst = 0;
        for (long i = 0; i < a.numel(); i++) worst = Math.max(worst, Math.abs(sa.get(Numerics.F32, 4 * i) - sb.get(Numerics.F32, 4 * i)));
        return worst;
    }

    /** Time per row of x for F16 weights with the GEMV path forced and with the GEMM path forced: where the crossover lies. */
    private void crossover(Backend b, int reps) {
        int n = 4096 / div, k = 4096 / div;
        int[] ms = {1, 2, 4, 6, 8, 12, 16, 32};
        Tensor w = RandomTensors.weights(DType.F16, n, k, 4);
        int saved = Linear.gemvMaxRows(Linear.GEMV_MAX_ROWS);
        try {
            Tensor[] xs = new Tensor[ms.length], ys = new Tensor[ms.length];
            for (int i = 0; i < ms.length; i++) { xs[i] = RandomTensors.activations(ms[i], k, ms[i]); ys[i] = Tensor.allocate(DType.F32, ms[i], n); }
            double[][] best = new double[ms.length][2];
            for (double[] bb : best) java.util.Arrays.fill(bb, Double.MAX_VALUE);
            // first round warms both paths for every m (their kernels compile on first use); then alternate, best of the rest
            for (int r = 0; r <= reps + 1; r++) {
                for (int i = 0; i < ms.length; i++) {
                    for (int path = 0; path < 2; path++) {
                        Linear.gemvMaxRows(path == 0 ? Integer.MAX_VALUE : 0);
                        Tensor x = xs[i], y = ys[i];
                        double t = timeBest(b, 1, () -> b.linear(x, w, null, y));
                        if (r > 1) best[i][path] = Math.min(best[i][path], t);
                    }
                }
            }
            StringBuilder sb = new StringBuilder("crossover f16 " + n + "x" + k + ", ms per call gemv/gemm:");
            for (int i = 0; i < ms.length; i++) {
                sb.append(String.format(Locale.ROOT, " m=%d %.2f/%.2f", ms[i], best[i][0] * 1e3, best[i][1] * 1e3));
                xs[i].close();
                ys[i].close();
            }
            results.add(new Result(sb.append("  (GEMV used up to m=").append(Linear.GEMV_MAX_ROWS).append(')').toString(), Double.NaN, "", Roof.NONE, ""));
        } finally {
            Linear.gemvMaxRows(saved);
            w.close();
        }
    }

    // ---- convolution and attention -----------------------------------------------------------

    private void conv(Backend b, int batch, int c, int h, int wd, int o, int reps) {
        Tensor x = onto(b, RandomTensors.activations(batch * c, h * wd, 5)).view(batch, c, h, wd);
        Tensor w = onto(b, RandomTensors.activations(o, c * 9, 6)).view(o, c, 3, 3);
        Tensor y = output(b, batch, o, h, wd);
        int[] one = {1, 1};
        b.conv(x, w, null, one, one, null, 1, y);
        b.synchronize();
        double best = timeBest(b, reps, () -> b.conv(x, w, null, one, one, null, 1, y));
        double gf = 2.0 * batch * o * c * 9 * h * wd / best / 1e9;
        result(String.format(Locale.ROOT, "conv3x3 %dx%dx%dx%d->%d (%.0f ms)", batch, c, h, wd, o, best * 1e3), gf, "GFLOP/s", Roof.FMA, "");
        x.close();
        w.close();
        y.close();
    }

    private void attention(Backend b, int batch, int heads, int s, int d) {
        String name = String.format(Locale.ROOT, "attention b=%d h=%d s=%d d=%d", batch, heads, s, d);
        double flop = 4.0 * batch * heads * s * (double) s * d;
        // probe on a small size first: the reference fallback would take hours at full size
        int ps = 256;
        Tensor pq = onto(b, RandomTensors.activations(batch * heads * ps, d, 7)).view(batch, heads, ps, d);
        // the first calls run in the interpreter: time the probe only once the JIT has compiled it
        Tensor po = output(b, batch, heads, ps, d);
        double probe = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t0 = System.nanoTime();
            b.attention(pq, pq, pq, null, false, 0.125f, po);
            b.synchronize();
            probe = Math.min(probe, (System.nanoTime() - t0) / 1e9);
        }
        double estimate = probe * ((double) s / ps) * ((double) s / ps);
        pq.close();
        po.close();
        if (estimate > attentionSeconds) {
            results.add(new Result(name, Double.NaN, "", Roof.NONE, String.format(Locale.ROOT,
                    "skipped: a %d-token probe took %.2f s, so the full size would take ~%.0f s (> %.0f s, --attention-seconds)",
                    ps, probe, estimate, attentionSeconds)));
            return;
        }
        Tensor q = onto(b, RandomTensors.activations(batch * heads * s, d, 8)).view(batch, heads, s, d);
        Tensor k = onto(b, RandomTensors.activations(batch * heads * s, d, 9)).view(batch, heads, s, d);
        Tensor v = onto(b, RandomTensors.activations(batch * heads * s, d, 10)).view(batch, heads, s, d);
        Tensor o = output(b, batch, heads, s, d);
        double best = timeBest(b, quick ? 1 : 2, () -> b.attention(q, k, v, null, false, (float) (1 / Math.sqrt(d)), o));
        double gf = flop / best / 1e9;
        result(String.format(Locale.ROOT, "%s (%.2f s)", name, best), gf, "GFLOP/s", Roof.FMA, "");
        q.close();
        k.close();
        v.close();
        o.close();
    }

    /** Best of {@code reps} timings of r, each stopped after the backend has finished (synchronize; a no-op on CPU). */
    private static double timeBest(Backend b, int reps, Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            b.synchronize();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
