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
 * Decode GEMV ({@code linear} with a few activation rows) at Llama-2-7B shapes. Cycles through
 * enough weight copies (≥ 256 MiB) that the weights come from memory, as in a real decode step.
 * Run: {@code java -cp 'bench/target/classes:bench/target/lib/*' org.openjdk.jmh.Main GemvBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemvBenchmark {
    @Param({"F16", "Q8_0", "Q4_0"}) public String dtype;
    @Param({"4096x4096", "11008x4096"}) public String shape;
    @Param({"1"}) public int rows;
    @Param({"0"}) public int threads;

    private CpuBackend cpu;
    private Tensor[] weights;
    private Tensor x, y;
    private int next;

    @Setup public void setup() {
        DType dt = DType.valueOf(dtype);
        int n = Integer.parseInt(shape.split("x")[0]), k = Integer.parseInt(shape.split("x")[1]);
        cpu = new CpuBackend(threads);
        int copies = (int) Math.max(2, (256L << 20) / dt.byteSize((long) n * k) + 1);
        weights = new Tensor[copies];
        for (int i = 0; i < copies; i++) weights[i] = RandomTensors.weights(dt, n, k, i);
        x = RandomTensors.activations(rows, k, 1);
        y = Tensor.allocate(DType.F32, rows, n);
    }

    @Benchmark public void linear() {
        cpu.linear(x, weights[next], null, y);
        next = (next + 1) % weights.length;
    }

    @TearDown public void tearDown() {
        for (Tensor w : weights) w.close();
        x.close();
        y.close();
        cpu.close();
    }
}
