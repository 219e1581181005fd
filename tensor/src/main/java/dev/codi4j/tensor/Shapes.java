package dev.codi4j.tensor;

import java.util.Arrays;

/** Shape arithmetic shared by every backend. */
public final class Shapes {
    private Shapes() {}

    /** NumPy/PyTorch broadcasting of two shapes. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) throw new ShapeException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Output shape of the batched product a (..., M, K) · b (..., K, N) with broadcast batch
     * dimensions: (batch..., M, N). Rejects ranks below 2 and differing inner dimensions.
     */
    public static int[] matmulShape(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new ShapeException("matmul needs rank ≥ 2: " + a.describe() + ", " + b.describe());
        if (b.dim(-2) != a.dim(-1)) throw new ShapeException("matmul inner dimensions differ: " + a.describe() + " · " + b.describe());
        int[] batch = broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = a.dim(-2);
        os[batch.length + 1] = b.dim(-1);
        return os;
    }

    /** {@link #matmulShape} checked against {@code out}; returns the broadcast batch dimensions. */
    public static int[] requireMatmul(Tensor a, Tensor b, Tensor out) {
        int[] os = matmulShape(a, b);
        if (!Arrays.equals(os, out.shape())) throw new ShapeException("matmul out " + out.describe() + " should be " + Arrays.toString(os));
        return Arrays.copyOf(os, os.length - 2);
    }

    public static void requireShape(Tensor t, String name, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) throw new ShapeException(name + ": expected shape " + Arrays.toString(expected) + ", found " + t.describe());
    }

    public static void requireDType(Tensor t, String name, DType... allowed) {
        for (DType d : allowed) if (t.dtype() == d) return;
        throw new ShapeException(name + ": dtype " + t.dtype() + " not supported here, expected one of " + Arrays.toString(allowed));
    }

    public static void requireSameShape(Tensor a, String an, Tensor b, String bn) {
        if (!Arrays.equals(a.shape(), b.shape())) throw new ShapeException(an + " " + a.describe() + " and " + bn + " " + b.describe() + " must have the same shape");
    }

    /** Output size of a convolution along one dimension. */
    public static int convOut(int in, int kernel, int stride, int padBefore, int padAfter, int dilation) {
        int o = (in + padBefore + padAfter - dilation * (kernel - 1) - 1) / stride + 1;
        if (o <= 0) throw new ShapeException("convolution input " + in + " too small for kernel " + kernel + " (dilation " + dilation + ", padding " + padBefore + "+" + padAfter + ")");
        return o;
    }

    /** Padding given per dimension ({@code n} values, symmetric) or per side ({@code 2n}: before0, after0, before1, ...); returns 2n. */
    public static int[] padding2(int[] padding, int n) {
        if (padding == null) return new int[2 * n];
        if (padding.length == 2 * n) return padding.clone();
        if (padding.length == n) {
            int[] p = new int[2 * n];
            for (int i = 0; i < n; i++) { p[2 * i] = padding[i]; p[2 * i + 1] = padding[i]; }
            return p;
        }
        throw new ShapeException("padding " + Arrays.toString(padding) + " needs " + n + " or " + 2 * n + " values");
    }

    public static int[] repeat(int v, int n) { int[] a = new int[n]; Arrays.fill(a, v); return a; }
}
