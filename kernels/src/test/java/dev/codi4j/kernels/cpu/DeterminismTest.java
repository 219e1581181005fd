package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The same inputs give the same bits on every call (DESIGN.md: same seed → same bytes on the same
 * backend), whatever the thread scheduling. Each op runs several times on sizes large enough to be
 * split across threads.
 */
class DeterminismTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    static Tensor rand(long seed, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.fromFloats(v, shape);
    }

    static void same(String what, Supplier<Tensor> op) {
        float[] first = op.get().toFloatArray();
        for (int i = 0; i < 6; i++) assertArrayEquals(first, op.get().toFloatArray(), what + " differs between identical calls");
    }

    @Test void matrixOps() {
        Tensor x = rand(1, 77, 320), w = rand(2, 640, 320), x1 = rand(3, 1, 1024), w1 = rand(4, 4096, 1024);
        same("linear gemm", () -> CPU.linear(x, w, null));
        same("linear gemv", () -> CPU.linear(x1, w1, null));
        same("linear gemv f16", () -> CPU.linear(x1, CPU.copyOf(w1, DType.F16), null));
        same("linear gemv q8_0", () -> CPU.linear(x1, CPU.copyOf(w1, DType.Q8_0), null));
        Tensor a = rand(5, 4, 96, 64), b = rand(6, 4, 64, 200);
        same("matmul", () -> CPU.matmul(a, b));
        Tensor img = rand(7, 2, 32, 24, 24), k = rand(8, 48, 32, 3, 3);
        same("conv", () -> CPU.conv(img, k, null, new int[] {1, 1}, new int[] {1, 1}, null, 1));
    }

    @Test void normsAndReductions() {
        Tensor img = rand(9, 2, 64, 40, 40);
        same("groupNorm", () -> CPU.groupNorm(img, 32, null, null, 1e-5f));
        Tensor rows = rand(10, 300, 1280);
        same("layerNorm", () -> CPU.layerNorm(rows, null, null, 1e-5f));
        same("rmsNorm", () -> CPU.rmsNorm(rows, null, 1e-5f));
        same("softmax", () -> CPU.softmax(rows));
        same("reduce sum", () -> CPU.reduce(ReduceOp.SUM, rows, 0));
        Tensor big = rand(11, 1, 1 << 20);
        same("reduce sum long row", () -> CPU.reduce(ReduceOp.SUM, big, 1));
    }

    @Test void attention() {
        Tensor q = rand(12, 1, 5, 700, 64), k = rand(13, 1, 5, 700, 64), v = rand(14, 1, 5, 700, 64);
        same("attention", () -> CPU.attention(q, k, v, null, false, 0.125f));
        Tensor q1 = rand(15, 1, 8, 1, 64), k1 = rand(16, 1, 2, 3000, 64), v1 = rand(17, 1, 2, 3000, 64);
        same("attention decode", () -> CPU.attention(q1, k1, v1, null, true, 0.125f));
    }
}
