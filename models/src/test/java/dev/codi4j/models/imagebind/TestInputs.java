package dev.codi4j.models.imagebind;

import dev.codi4j.tensor.Tensor;

/** The closed-form inputs of tools/fixtures/imagebind_reference.py ({@code wave}), bit-identical. */
final class TestInputs {
    private TestInputs() {}

    static Tensor wave(long seed, int... shape) {
        int n = Math.toIntExact(Tensor.numel(shape));
        float[] v = new float[n];
        final long mask = 0xFFFFFFFFL;
        for (int i = 0; i < n; i++) {
            long h = ((long) i * 0x9E3779B1L + seed * 0x85EBCA77L) & mask;
            h ^= h >>> 15;
            h = (h * 0x2C1B3C6DL) & mask;
            h ^= h >>> 12;
            h = (h * 0x297A2D39L) & mask;
            h ^= h >>> 15;
            double x = h / 2147483648.0 - 1.0 + Math.sin(i / 977.0);
            v[i] = (float) x;
        }
        return Tensor.fromFloats(v, shape);
    }
}
