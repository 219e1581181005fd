package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The kernels split work only between independent outputs (rows, groups, query tiles), never
 * inside a sum, so 1, 2 and 3 threads give identical bytes. Tolerance: none.
 */
class ThreadCountTest {
    static void same(String what, Function<CpuBackend, Tensor> op) {
        byte[] first = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (CpuBackend b = new CpuBackend(threads)) {
                byte[] got = Layouts.storageBytes(op.apply(b));
                if (first == null) first = got;
                else assertArrayEquals(first, got, what + " with " + threads + " threads");
            }
        }
    }

    @Test void resultsDoNotDependOnThreads() {
        Random r = new Random(61);
        Tensor x = Layouts.randn(r, 2f, 0.3f, 2, 64, 40, 40), w = Layouts.randn(r, 1f, 1f, 64);
        Tensor rows = Layouts.randn(r, 1f, 0f, 300, 777);
        same("gelu", b -> b.unary(UnaryOp.GELU, x));
        same("add", b -> b.binary(BinaryOp.ADD, x, x.narrow(3, 0, 1)));
        same("groupNorm", b -> b.groupNorm(x, 32, w, w, 1e-6f));
        same("layerNorm", b -> b.layerNorm(rows, null, null, 1e-5f));
        same("softmax", b -> b.softmax(rows));
        same("reduce", b -> b.reduce(ReduceOp.SUM, rows, 0));
        same("quantise", b -> b.copyOf(rows.narrow(1, 0, 768), DType.Q4_0));
        same("transpose", b -> b.contiguous(x.permute(0, 2, 3, 1)));
        Tensor q = Layouts.randn(r, 1f, 0f, 1, 3, 300, 64), k = Layouts.randn(r, 1f, 0f, 1, 3, 500, 64), v = Layouts.randn(r, 1f, 0f, 1, 3, 500, 64);
        same("attention", b -> b.attention(q, k, v, null, true, 0.125f));
        Tensor q1 = Layouts.randn(r, 1f, 0f, 1, 8, 1, 64), kc = Layouts.randn(r, 1f, 0f, 1, 8, 2000, 64), vc = Layouts.randn(r, 1f, 0f, 1, 8, 2000, 64);
        same("decode attention", b -> b.attention(q1, kc, vc, null, true, 0.125f));
    }
}
