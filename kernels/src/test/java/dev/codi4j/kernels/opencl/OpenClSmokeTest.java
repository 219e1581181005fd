package dev.codi4j.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class OpenClSmokeTest {
    @Test void roundTripAndAdd() {
        OpenClBackend b = OpenClTestBackend.get();
        Tensor x = b.toDevice(Tensor.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Tensor y = b.toDevice(Tensor.fromFloats(new float[] {10, 20, 30}, 3));
        Tensor z = b.binary(BinaryOp.ADD, x, y);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, b.toHost(z).toFloatArray());
        Tensor t = b.copyOf(x.transpose(0, 1), DType.F16);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, b.toHost(t).toFloatArray());
    }
}
