package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Random;

/**
 * Attention timings at real model sizes, each next to the ceiling measured in the same run:
 * <ul>
 *   <li>one thread, timed by the thread's CPU time against the one-thread FMA peak (CPU time):
 *   robust when other processes share the two cores, so this is the kernel-efficiency figure;</li>
 *   <li>all threads, timed by the wall clock against the all-thread FMA peak (wall clock, measured
 *   just before): the throughput a user sees, but only meaningful on an otherwise idle machine;</li>
 *   <li>all threads, by the CPU time their workers spent ("per wCPU"): GFLOP per CPU-second,
 *   against the one-thread peak, which shows what running two at once costs each core (shared
 *   cache, memory, coordination) even when the machine is busy.</li>
 * </ul>
 * Not a test (run by hand); the lead wires it into {@code ./codi4j bench}:
 * <pre>
 * ./build -q -pl kernels -am test-compile
 * $(. bin/find-jdk25.sh; echo $JAVA_HOME)/bin/java --add-modules jdk.incubator.vector -Xmx8g \
 *     -cp kernels/target/classes:kernels/target/test-classes:tensor/target/classes \
 *     dev.codi4j.kernels.cpu.AttentionTiming [threads]
 * </pre>
 */
public final class AttentionTiming {
    private AttentionTiming() {}

    static final ThreadMXBean TM = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        double peak1 = Peak.fmaGflopsCpuTime();
        System.out.printf(Locale.ROOT, "FMA peak: 1 thread %.1f GFLOP/s (CPU time); %d threads %.1f GFLOP/s (wall); FloatVector.SPECIES_PREFERRED has %d lanes%n",
                peak1, threads, Peak.fmaGflops(threads), Peak.LANES);
        System.out.printf(Locale.ROOT, "%-40s %9s %8s %6s | %9s %8s %6s | %8s %6s%n", "attention", "1T cpu s", "GFLOP/s", "%peak",
                threads + "T wall s", "GFLOP/s", "%peak", "per wCPU", "%peak1");
        try (CpuBackend mt = new CpuBackend(threads); CpuBackend st = new CpuBackend(1)) {
            Random r = new Random(1);
            // SD 2.1 UNet self-attention at a 96×96 latent (768² image): 9216 tokens, 5 heads of 64
            prefill(mt, st, r, peak1, threads, "SD self-attn 96x96, 5 heads of 64", 1, 5, 5, 9216, 9216, 64, false, true);
            prefill(mt, st, r, peak1, threads, "SD self-attn 96x96 (contiguous q/k/v)", 1, 5, 5, 9216, 9216, 64, false, false);
            prefill(mt, st, r, peak1, threads, "SD cross-attn 96x96 x 77 tokens, CFG 2", 2, 5, 5, 9216, 77, 64, false, true);
            prefill(mt, st, r, peak1, threads, "ViT-H/14 257 tokens, 16 heads of 80", 1, 16, 16, 257, 257, 80, false, true);
            prefill(mt, st, r, peak1, threads, "Llama-2-7B prefill 512, causal", 1, 32, 32, 512, 512, 128, true, true);
            System.out.printf(Locale.ROOT, "read bandwidth: 1 thread %.1f GB/s, %d threads %.1f GB/s%n", Peak.readGBs(1), threads, Peak.readGBs(threads));
            decode(mt, st, r, threads, "Llama-2-7B decode, KV 4096 F32", 32, 4096, 128, DType.F32);
            decode(mt, st, r, threads, "Llama-2-7B decode, KV 4096 F16", 32, 4096, 128, DType.F16);
            decode(mt, st, r, threads, "Llama-2-7B decode, KV 512 F32", 32, 512, 128, DType.F32);
        }
    }

    static Tensor randn(Random r, int... shape) { return Layouts.randn(r, 1f, 0f, shape); }

    /** CPU time of the pool's worker threads (named codi4j-cpu-*) and the caller: the work the threads did, whatever else ran. */
    static long workerCpuNanos() {
        long sum = TM.getCurrentThreadCpuTime();
        for (long id : TM.getAllThreadIds()) {
            var info = TM.getThreadInfo(id);
            if (info != null && info.getThreadName().startsWith("codi4j-cpu-")) sum += Math.max(0, TM.getThreadCpuTime(id));
        }
        return sum;
    }

    static void prefill(CpuBackend mt, CpuBackend st, Random r, double peak1, int threads, String name,
                        int b, int h, int hk, int sq, int sk, int d, boolean causal, boolean views) {
        Tensor q, k, v, out;
        if (views) { // projections laid out (B, S, H, D), as a model hands them over
            q = randn(r, b, sq, h, d).permute(0, 2, 1, 3);
            k = randn(r, b, sk, hk, d).permute(0, 2, 1, 3);
            v = randn(r, b, sk, hk, d).permute(0, 2, 1, 3);
            out = Tensor.zeros(DType.F32, b, sq, h, d).permute(0, 2, 1, 3);
        } else {
            q = randn(r, b, h, sq, d);
            k = randn(r, b, hk, sk, d);
            v = randn(r, b, hk, sk, d);
            out = Tensor.zeros(DType.F32, b, h, sq, d);
        }
        double pairs = causal ? (double) sq * (sk - sq) + (double) sq * (sq + 1) / 2 : (double) sq * sk;
        double flops = 4.0 * pairs * d * b * h;
        float scale = (float) (1 / Math.sqrt(d));
        int reps = flops > 5e10 ? 3 : flops > 1e9 ? 8 : 60;
        double cpu = Double.MAX_VALUE, wall = Double.MAX_VALUE;
        for (int i = 0; i < reps + 2; i++) {
            long t0 = TM.getCurrentThreadCpuTime();
            st.attention(q, k, v, null, causal, scale, out);
            if (i >= 2) cpu = Math.min(cpu, (TM.getCurrentThreadCpuTime() - t0) / 1e9);
        }
        double peakN = Peak.fmaGflops(threads);
        double workers = Double.MAX_VALUE;
        for (int i = 0; i < reps + 1; i++) {
            long c0 = workerCpuNanos(), t0 = System.nanoTime();
            mt.attention(q, k, v, null, causal, scale, out);
            double w = (System.nanoTime() - t0) / 1e9, c = (workerCpuNanos() - c0) / 1e9;
            if (i >= 1) { wall = Math.min(wall, w); workers = Math.min(workers, c); }
        }
        System.out.printf(Locale.ROOT, "%-40s %9.4f %8.1f %5.1f%% | %9.4f %8.1f %5.1f%% | %8.1f %5.1f%%%n", name,
                cpu, flops / cpu / 1e9, 100 * flops / cpu / 1e9 / peak1, wall, flops / wall / 1e9, 100 * flops / wall / 1e9 / peakN,
                flops / workers / 1e9, 100 * flops / workers / 1e9 / peak1);
        q.close(); k.close(); v.close(); out.close();
    }

    static void decode(CpuBackend mt, CpuBackend st, Random r, int threads, String name, int heads, int sk, int d, DType kv) {
        // a KV cache laid out (S, H, D) per layer, read through (1, H, S, D) views
        Tensor kc = mt.copyOf(randn(r, sk, heads, d), kv), vc = mt.copyOf(randn(r, sk, heads, d), kv);
        Tensor k = kc.unsqueeze(0).permute(0, 2, 1, 3), v = vc.unsqueeze(0).permute(0, 2, 1, 3);
        Tensor q = randn(r, 1, heads, 1, d), out = Tensor.zeros(DType.F32, 1, heads, 1, d);
        double bytes = 2.0 * sk * heads * d * (kv == DType.F32 ? 4 : 2);
        double cpu = Double.MAX_VALUE, wall = Double.MAX_VALUE;
        for (int i = 0; i < 60; i++) {
            long t0 = TM.getCurrentThreadCpuTime();
            st.attention(q, k, v, null, true, 0.088f, out);
            if (i >= 10) cpu = Math.min(cpu, (TM.getCurrentThreadCpuTime() - t0) / 1e9);
        }
        for (int i = 0; i < 60; i++) {
            long t0 = System.nanoTime();
            mt.attention(q, k, v, null, true, 0.088f, out);
            if (i >= 10) wall = Math.min(wall, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "%-40s 1T cpu %8.3f ms %6.1f GB/s | %dT wall %8.3f ms %6.1f GB/s of KV cache%n",
                name, cpu * 1e3, bytes / cpu / 1e9, threads, wall * 1e3, bytes / wall / 1e9);
        kc.close(); vc.close(); q.close(); out.close();
    }
}
