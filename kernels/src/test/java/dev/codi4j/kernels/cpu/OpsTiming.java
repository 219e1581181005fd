package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Random;

/**
 * Memory-bound CPU ops at model sizes: GB/s moved (bytes read once + bytes written) next to the
 * read bandwidth measured in the same run. Each op is timed twice: on the multi-threaded backend
 * by wall clock, and on a one-thread backend by the thread's CPU time, which is robust when other
 * processes share the cores. Not a test (run by hand):
 * <pre>
 * ./build -q -pl kernels -am test-compile
 * $(. bin/find-jdk25.sh; echo $JAVA_HOME)/bin/java --add-modules jdk.incubator.vector -Xmx8g \
 *     -cp kernels/target/classes:kernels/target/test-classes:tensor/target/classes \
 *     dev.codi4j.kernels.cpu.OpsTiming [threads]
 * </pre>
 */
public final class OpsTiming {
    private OpsTiming() {}

    static final ThreadMXBean TM = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "read bandwidth: 1 thread %.1f GB/s, %d threads %.1f GB/s%n", Peak.readGBs(1), threads, Peak.readGBs(threads));
        System.out.printf(Locale.ROOT, "%-44s %10s %9s %10s %9s%n", "op", threads + "T wall ms", "GB/s", "1T cpu ms", "GB/s");
        Random r = new Random(1);
        try (CpuBackend mt = new CpuBackend(threads); CpuBackend st = new CpuBackend(1)) {
            CpuBackend[] both = {mt, st};
            {
                Tensor x = randn(r, 2, 320, 96, 96), w = randn(r, 320), b = randn(r, 320), o = Tensor.zeros(DType.F32, x.shape());
                time(both, "groupNorm(32) 2x320x96x96", 8.0 * x.numel(), be -> be.groupNorm(x, 32, w, b, 1e-6f, o));
                time(both, "silu 2x320x96x96", 8.0 * x.numel(), be -> be.unary(UnaryOp.SILU, x, o));
                time(both, "add (residual) 2x320x96x96", 12.0 * x.numel(), be -> be.binary(BinaryOp.ADD, x, o, o));
                Tensor up = Tensor.zeros(DType.F32, 2, 320, 192, 192);
                time(both, "upsampleNearest x2 2x320x96x96", 4.0 * x.numel() + 4.0 * up.numel(), be -> be.upsampleNearest(x, up));
                Tensor xt = Tensor.zeros(DType.F32, 2, 96 * 96, 320);
                time(both, "copy NCHW->NHWC 2x320x96x96", 8.0 * x.numel(), be -> be.copy(x.flatten(2, 3).transpose(1, 2), xt));
            }
            {
                Tensor x = randn(r, 1, 512, 192, 192), o = Tensor.zeros(DType.F32, x.shape());
                time(both, "groupNorm(32) 1x512x192x192 (VAE)", 8.0 * x.numel(), be -> be.groupNorm(x, 32, null, null, 1e-6f, o));
            }
            {
                Tensor x = randn(r, 2 * 9216, 320), w = randn(r, 320), b = randn(r, 320), o = Tensor.zeros(DType.F32, x.shape());
                time(both, "layerNorm 18432x320", 8.0 * x.numel(), be -> be.layerNorm(x, w, b, 1e-5f, o));
                time(both, "bias add 18432x320 + 320", 8.0 * x.numel(), be -> be.binary(BinaryOp.ADD, x, b, o));
                Tensor g = randn(r, 2 * 9216, 2 * 1280), og = Tensor.zeros(DType.F32, 2 * 9216, 1280);
                Tensor gate = g.narrow(1, 1280, 1280), upv = g.narrow(1, 0, 1280);
                time(both, "GEGLU 18432x1280 (halves of 2560)", 12.0 * og.numel(), be -> be.gated(UnaryOp.GELU, gate, upv, og));
                time(both, "GELU 18432x1280", 8.0 * og.numel(), be -> be.unary(UnaryOp.GELU, upv, og));
            }
            {
                Tensor x = randn(r, 512, 4096), w = randn(r, 4096), o = Tensor.zeros(DType.F32, x.shape());
                time(both, "rmsNorm 512x4096", 8.0 * x.numel(), be -> be.rmsNorm(x, w, 1e-5f, o));
                Tensor x1 = randn(r, 1, 4096), o1 = Tensor.zeros(DType.F32, 1, 4096);
                time(both, "rmsNorm 1x4096 (decode)", 8.0 * x1.numel(), be -> be.rmsNorm(x1, w, 1e-5f, o1));
                Tensor s = randn(r, 4096, 1024), so = Tensor.zeros(DType.F32, s.shape());
                time(both, "softmax 4096x1024", 8.0 * s.numel(), be -> be.softmax(s, so));
                Tensor logits = randn(r, 1, 32000), am = Tensor.zeros(DType.I32, 1);
                time(both, "argmax 1x32000", 4.0 * logits.numel(), be -> be.argmax(logits, am));
            }
            {
                Tensor q = randn(r, 512, 32, 128), qo = Tensor.zeros(DType.F32, q.shape());
                int[] pos = new int[512];
                for (int i = 0; i < pos.length; i++) pos[i] = i;
                Tensor positions = Tensor.fromInts(pos, 512);
                time(both, "rope 512x32x128", 8.0 * q.numel(), be -> be.rope(q, positions, 128, 10000, false, qo));
                Tensor q1 = randn(r, 1, 32, 128), q1o = Tensor.zeros(DType.F32, q1.shape());
                Tensor p1 = Tensor.fromInts(new int[] {777}, 1);
                time(both, "rope 1x32x128 (decode)", 8.0 * q1.numel(), be -> be.rope(q1, p1, 128, 10000, false, q1o));
            }
            {
                Tensor w = randn(r, 4096, 4096);
                Tensor h = Tensor.zeros(DType.F16, 4096, 4096), bf = Tensor.zeros(DType.BF16, 4096, 4096), q8 = Tensor.zeros(DType.Q8_0, 4096, 4096), q4 = Tensor.zeros(DType.Q4_0, 4096, 4096);
                Tensor back = Tensor.zeros(DType.F32, 4096, 4096);
                time(both, "copy F32->F16 4096x4096", 6.0 * w.numel(), be -> be.copy(w, h));
                time(both, "copy F16->F32 4096x4096", 6.0 * w.numel(), be -> be.copy(h, back));
                time(both, "copy F32->BF16 4096x4096", 6.0 * w.numel(), be -> be.copy(w, bf));
                time(both, "quantise F32->Q8_0 4096x4096", 4.0 * w.numel() + q8.byteSize(), be -> be.copy(w, q8));
                time(both, "quantise F32->Q4_0 4096x4096", 4.0 * w.numel() + q4.byteSize(), be -> be.copy(w, q4));
                time(both, "quantise F16->Q8_0 4096x4096", 2.0 * w.numel() + q8.byteSize(), be -> be.copy(h, q8));
                time(both, "dequantise Q8_0->F32 4096x4096", q8.byteSize() + 4.0 * w.numel(), be -> be.copy(q8, back));
                int[] ids = new int[512];
                for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(4096);
                Tensor idt = Tensor.fromInts(ids, 512), emb = Tensor.zeros(DType.F32, 512, 4096);
                time(both, "embedding 512 ids, Q8_0 rows of 4096", 512 * 4096 * (34.0 / 32 + 4), be -> be.embedding(q8, idt, emb));
            }
        }
    }

    static Tensor randn(Random r, int... shape) { return Layouts.randn(r, 1f, 0f, shape); }

    interface Op { void run(CpuBackend b); }

    /** Best of several runs on each backend: wall time on the pooled one, thread CPU time on the single-threaded one. */
    static void time(CpuBackend[] backends, String name, double bytes, Op op) {
        double wall = Double.MAX_VALUE, cpu = Double.MAX_VALUE;
        int reps = bytes > 1e8 ? 6 : bytes > 1e6 ? 30 : 50;
        int inner = bytes < 1e6 ? 200 : 1; // tiny (decode-sized) ops: time a batch so the clock's own cost vanishes
        for (int i = 0; i < reps + 3; i++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < inner; k++) op.run(backends[0]);
            double s = (System.nanoTime() - t0) / 1e9 / inner;
            if (i >= 3) wall = Math.min(wall, s);
        }
        for (int i = 0; i < reps + 3; i++) {
            long t0 = TM.getCurrentThreadCpuTime();
            for (int k = 0; k < inner; k++) op.run(backends[1]);
            double s = (TM.getCurrentThreadCpuTime() - t0) / 1e9 / inner;
            if (i >= 3) cpu = Math.min(cpu, s);
        }
        System.out.printf(Locale.ROOT, "%-44s %10.3f %9.1f %10.3f %9.1f%n", name, wall * 1e3, bytes / wall / 1e9, cpu * 1e3, bytes / cpu / 1e9);
    }
}
