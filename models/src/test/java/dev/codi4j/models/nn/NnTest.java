package dev.codi4j.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NnTest {
    final Backend b = new ReferenceBackend();

    @Test void linearReadsUpstreamNamesAndComputes() {
        Weights w = Weights.of(Map.of(
                "blk.fc.weight", Tensor.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                "blk.fc.bias", Tensor.fromFloats(new float[] {0.5f, -1}, 2)));
        Linear fc = Linear.load(b, w.pp("blk").pp("fc"), 3, 2, true);
        Tensor y = fc.forward(b, Tensor.fromFloats(new float[] {1, 0, -1}, 1, 3));
        assertArrayEquals(new float[] {1 - 3 + 0.5f, 4 - 6 - 1}, y.toFloatArray());
        assertTrue(w.unused().isEmpty());
        WeightsException e = assertThrows(WeightsException.class, () -> Linear.load(b, w.pp("blk").pp("fc"), 4, 2, true));
        assertTrue(e.getMessage().contains("blk.fc.weight"), e.getMessage());
    }

    @Test void linearCanQuantiseAtLoad() {
        float[] v = new float[2 * 64];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i);
        Weights w = Weights.of(Map.of("weight", Tensor.fromFloats(v, 2, 64)));
        Linear q = Linear.load(b, w, 64, 2, false, DType.Q8_0);
        assertEquals(DType.Q8_0, q.weight().dtype());
        Tensor x = Tensor.fromFloats(new float[64], 1, 64);
        x.setFloat(1, 0, 5);
        assertEquals(Math.sin(5), q.forward(b, x).getFloat(0, 0), 0.01);
    }

    @Test void convAndNormsLoadF32() {
        Weights w = Weights.of(Map.of(
                "conv.weight", Tensor.fromFloats(new float[] {1, 1, 1, 1}, 1, 1, 2, 2),
                "norm.weight", Tensor.fromFloats(new float[] {1, 1}, 2),
                "norm.bias", Tensor.fromFloats(new float[] {0, 0}, 2)));
        Conv c = Conv.load2d(b, w.pp("conv"), 1, 1, 2, 1, 0, false);
        Tensor y = c.forward(b, Tensor.fromFloats(new float[] {1, 2, 3, 4}, 1, 1, 2, 2));
        assertEquals(10f, y.item());
        LayerNorm ln = LayerNorm.load(b, w.pp("norm"), 2, 1e-5f);
        assertArrayEquals(new float[] {-1, 1}, ln.forward(b, Tensor.fromFloats(new float[] {3, 5}, 2)).toFloatArray(), 1e-3f);
    }
}
