package dev.codi4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorViewTest {
    static Tensor iota(int... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = i;
        return Tensor.fromFloats(v, shape);
    }

    @Test void permuteAndTransposeShareStorage() {
        Tensor t = iota(2, 3, 4);
        Tensor p = t.permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(t.getFloat(1, 2, 3), p.getFloat(3, 1, 2));
        assertFalse(p.isContiguous());
        assertEquals(t.getFloat(0, 1, 2), t.transpose(0, 2).getFloat(2, 1, 0));
        t.setFloat(99, 1, 0, 3);
        assertEquals(99, p.getFloat(3, 1, 0)); // a view, not a copy
    }

    @Test void viewFollowsTorchRules() {
        Tensor t = iota(2, 3, 4);
        assertArrayEquals(new int[] {6, 4}, t.view(6, -1).shape());
        assertArrayEquals(new int[] {1, 2, 1, 12, 1}, t.view(1, 2, 1, 12, 1).shape());
        Tensor tr = t.transpose(1, 2); // (2, 4, 3), not viewable as (2, 12)
        assertThrows(ShapeException.class, () -> tr.view(2, 12));
        // but merging the untouched leading dim with a permuted chunk is fine
        Tensor nar = t.narrow(2, 1, 2); // (2,3,2) strides (12,4,1)
        assertArrayEquals(new int[] {6, 2}, nar.view(6, 2).shape());
        assertEquals(t.getFloat(1, 2, 2), nar.view(6, 2).getFloat(5, 1));
        assertThrows(ShapeException.class, () -> nar.view(12));
        assertThrows(ShapeException.class, () -> t.view(5, -1));
    }

    @Test void reshapeCopiesWhenNeeded() {
        Tensor t = iota(2, 3);
        Tensor r = t.transpose(0, 1).reshape(6);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.toFloatArray());
    }

    @Test void narrowSelectExpandSqueeze() {
        Tensor t = iota(3, 4);
        assertArrayEquals(new float[] {5, 6, 9, 10}, t.narrow(0, 1, 2).narrow(1, 1, 2).toFloatArray());
        assertArrayEquals(new float[] {2, 6, 10}, t.select(1, 2).toFloatArray());
        assertArrayEquals(new float[] {8, 9, 10, 11}, t.select(0, -1).toFloatArray());
        Tensor col = iota(3, 1).expand(2, 3, 4);
        assertArrayEquals(new int[] {2, 3, 4}, col.shape());
        assertEquals(0, col.stride(0));
        assertEquals(2, col.getFloat(1, 2, 3));
        assertArrayEquals(new int[] {3, 1, 4}, t.unsqueeze(1).shape());
        assertArrayEquals(new int[] {3, 4, 1}, t.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {3, 4}, t.unsqueeze(0).squeeze(0).shape());
        assertThrows(ShapeException.class, () -> t.narrow(1, 3, 2));
        assertThrows(ShapeException.class, () -> t.expand(3, 5));
        Tensor[] parts = t.chunk(2, 1);
        assertArrayEquals(new float[] {2, 3, 6, 7, 10, 11}, parts[1].toFloatArray());
    }

    @Test void quantisedViewsKeepBlocksWhole() {
        Tensor w = Tensor.zeros(DType.Q8_0, 4, 64);
        assertEquals(4 * 2 * 34, w.byteSize());
        assertEquals(68, w.narrow(0, 1, 3).byteOffset());
        assertEquals(34, w.narrow(1, 32, 32).byteOffset());
        assertThrows(ShapeException.class, () -> w.narrow(1, 16, 32));
        assertThrows(ShapeException.class, () -> w.transpose(0, 1));
        assertThrows(ShapeException.class, () -> Tensor.zeros(DType.Q4_0, 3, 48));
    }

    @Test void viewsCannotEscapeTheirStorage() {
        Tensor t = iota(4);
        assertThrows(ShapeException.class, () -> new Tensor(t.storage(), DType.F32, new int[] {5}, new long[] {1}, 0));
        assertThrows(ShapeException.class, () -> new Tensor(t.storage(), DType.F32, new int[] {2}, new long[] {1}, 3));
        assertThrows(ShapeException.class, () -> new Tensor(t.storage(), DType.F32, new int[] {2}, new long[] {-1}, 0));
        assertTrue(new Tensor(t.storage(), DType.F32, new int[] {2}, new long[] {-1}, 3).getFloat(1) == 2f);
    }

    @Test void integerTensorsRoundTrip() {
        Tensor ids = Tensor.fromInts(new int[] {5, -3, 2_000_000_000}, 3);
        assertArrayEquals(new int[] {5, -3, 2_000_000_000}, ids.toIntArray());
    }
}
