package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.Locale;
import java.util.Random;

/**
 * Attention timings at real model sizes, each printed next to the FMA peak measured in the same
 * run. Not a test (run by hand); the lead wires it into {@code ./codi4j bench}:
 * <pre>
 * ./build -q -pl kernels -am test-compile
 * $(. bin/find-jdk25.sh; echo $JAVA_HOME)/bin/java --add-modules jdk.incubator.vector -Xmx8g \
 *     -cp kernels/target/classes:kernels/target/test-classes:tensor/target/classes \
 *     dev.codi4j.kernels.cpu.AttentionTiming [threads]
 * </pre>
 */
public final class AttentionTiming {
    private AttentionTiming() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        double peak = Peak.fmaGflops(threads);
        System.out.printf(Locale.ROOT, "FMA peak, %d thread(s): %.1f GFLOP/s (FloatVector.SPECIES_PREFERRED, %d lanes)%n", threads, peak, Peak.LANES);
        try (CpuBackend cpu = new CpuBackend(threads)) {
            Random r = new Random(1);
            // SD 2.1 UNet self-attention at a 96×96 latent (768² image): 9216 tokens, 5 heads of 64
            prefill(cpu, r, peak, "SD self-attn 96x96 (contiguous)", 1, 5, 5, 9216, 9216, 64, false, false);
            prefill(cpu, r, peak, "SD self-attn 96x96 (B,S,H,D views)", 1, 5, 5, 9216, 9216, 64, false, true);
            prefill(cpu, r, peak, "SD cross-attn 96x96 x 77 tokens", 2, 5, 5, 9216, 77, 64, false, true);
            prefill(cpu, r, peak, "ViT-H/14 (257 tokens, 16 heads of 80)", 1, 16, 16, 257, 257, 80, false, true);
            prefill(cpu, r, peak, "Llama-2-7B prefill 512 causal", 1, 32, 32, 512, 512, 128, true, true);
            decode(cpu, r, "Llama-2-7B decode, KV 4096 F32", 32, 4096, 128, DType.F32);
            decode(cpu, r, "Llama-2-7B decode, KV 4096 F16", 32, 4096, 128, DType.F16);
            decode(cpu, r, "Llama-2-7B decode, KV 512 F32", 32, 512, 128, DType.F32);
        }
    }

    static Tensor randn(Random r, int... shape) { return Layouts.randn(r, 1f, 0f, shape); }

    static void prefill(CpuBackend cpu, Random r, double peak, String name, int b, int h, int hk, int sq, int sk, int d, boolean causal, boolean views) {
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
        double best = Double.MAX_VALUE;
        int reps = flops > 5e10 ? 3 : flops > 1e9 ? 8 : 50;
        for (int i = 0; i < reps + 1; i++) {
            long t0 = System.nanoTime();
            cpu.attention(q, k, v, null, causal, scale, out);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i > 0) best = Math.min(best, s);
        }
        double gf = flops / best / 1e9;
        System.out.printf(Locale.ROOT, "%-42s %9.4f s  %7.1f GFLOP/s  %5.1f %% of FMA peak%n", name, best, gf, 100 * gf / peak);
        q.close(); k.close(); v.close(); out.close();
    }

    static void decode(CpuBackend cpu, Random r, String name, int heads, int sk, int d, DType kv) {
        // a KV cache laid out (S, H, D) per layer, read through (1, H, S, D) views
        Tensor kc = cpu.copyOf(randn(r, sk, heads, d), kv), vc = cpu.copyOf(randn(r, sk, heads, d), kv);
        Tensor k = kc.unsqueeze(0).permute(0, 2, 1, 3), v = vc.unsqueeze(0).permute(0, 2, 1, 3);
        Tensor q = randn(r, 1, heads, 1, d), out = Tensor.zeros(DType.F32, 1, heads, 1, d);
        double bytes = 2.0 * sk * heads * d * (kv == DType.F32 ? 4 : 2);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 60; i++) {
            long t0 = System.nanoTime();
            cpu.attention(q, k, v, null, true, 0.088f, out);
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= 10) best = Math.min(best, s);
        }
        System.out.printf(Locale.ROOT, "%-42s %9.6f s  %7.1f GB/s of KV cache read%n", name, best, bytes / best / 1e9);
        kc.close(); vc.close(); q.close(); out.close();
    }
}
