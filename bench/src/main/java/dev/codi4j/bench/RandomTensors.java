package dev.codi4j.bench;

import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Random weights and activations of real shapes for benchmarks (no download needed). */
public final class RandomTensors {
    private RandomTensors() {}

    /**
     * A random (n, k) weight tensor in {@code dt}: 64 random rows quantised by the reference backend,
     * tiled over the matrix (the values do not change the speed; tiling keeps set-up fast).
     */
    public static Tensor weights(DType dt, int n, int k, long seed) {
        Random r = new Random(seed);
        int rows = Math.min(64, n);
        float[] v = new float[rows * k];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        Tensor pattern = Tensor.fromFloats(v, rows, k);
        Tensor q = Backends.create("reference").copyOf(pattern, dt);
        Tensor w = Tensor.allocate(dt, n, k);
        MemorySegment dst = w.data(), src = q.data();
        for (long off = 0; off < dst.byteSize(); off += src.byteSize()) MemorySegment.copy(src, 0, dst, off, Math.min(src.byteSize(), dst.byteSize() - off));
        pattern.close();
        q.close();
        return w;
    }

    /** Uniform [-1, 1) F32 activations (m, k). */
    public static Tensor activations(int m, int k, long seed) {
        Random r = new Random(seed);
        float[] v = new float[m * k];
        for (int i = 0; i < v.length; i++) v[i] = r.nextFloat() * 2 - 1;
        return Tensor.fromFloats(v, m, k);
    }
}
