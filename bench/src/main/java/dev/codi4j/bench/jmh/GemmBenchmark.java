package dev.codi4j.bench.jmh;

import dev.codi4j.bench.RandomTensors;
import dev.codi4j.kernels.cpu.CpuBackend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill/encoder GEMM ({@code linear} with many rows, weights F32 or dequantised into the panels)
 * and a SD-sized 3×3 convolution. Run:
 * {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main GemmBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBenchmark {
    @Param({"512x4096x4096"}) public String mnk;
    @Param({"F32", "F16", "Q8_0"}) public String dtype;
    @Param({"0"}) public int threads;

    private CpuBackend cpu;
    private Tensor x, w, y, cx, cw, cy;

    @Setup public void setup() {
        String[] s = mnk.split("x");
        int m = Integer.parseInt(s[0]), n = Integer.parseInt(s[1]), k = Integer.parseInt(s[2]);
        cpu = new CpuBackend(threads);
        x = RandomTensors.activations(m, k, 1);
        w = RandomTensors.weights(DType.valueOf(dtype), n, k, 2);
        y = Tensor.allocate(DType.F32, m, n);
        cx = RandomTensors.activations(320, 48 * 48, 3).view(1, 320, 48, 48);
        cw = RandomTensors.activations(320, 320 * 9, 4).view(320, 320, 3, 3);
        cy = Tensor.allocate(DType.F32, 1, 320, 48, 48);
    }

    @Benchmark public void linear() { cpu.linear(x, w, null, y); }

    /** SD UNet 3×3 conv, 320 → 320 channels at 48×48 (F32 weights). */
    @Benchmark public void conv3x3() { cpu.conv(cx, cw, null, new int[] {1, 1}, new int[] {1, 1}, null, 1, cy); }

    @TearDown public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, y, cx, cw, cy}) t.close();
        cpu.close();
    }
}
