package dev.codi4j.kernels.gpu;

import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Stride arithmetic for launching kernels over strided views. */
final class Layouts {
    private Layouts() {}

    /**
     * Dimensions of {@code shape} merged wherever every layout is contiguous across the pair, size-1
     * dimensions dropped: {@code dims} outermost first, {@code strides[t][i]} per layout. A shape
     * with no dimension left (all ones, or rank 0) becomes one dimension of size 1.
     */
    record Collapsed(int[] dims, long[][] strides) {
        int rank() { return dims.length; }
    }

    static Collapsed collapse(int[] shape, long[]... strides) {
        List<Integer> dims = new ArrayList<>();
        List<long[]> st = new ArrayList<>();
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (!dims.isEmpty()) {
                int last = dims.size() - 1;
                long[] inner = st.get(last);
                boolean merge = true;
                for (int t = 0; t < strides.length; t++) if (strides[t][i] != inner[t] * dims.get(last)) { merge = false; break; }
                if (merge) {
                    dims.set(last, Math.multiplyExact(dims.get(last), shape[i]));
                    continue;
                }
            }
            long[] s = new long[strides.length];
            for (int t = 0; t < strides.length; t++) s[t] = strides[t][i];
            dims.add(shape[i]);
            st.add(s);
        }
        if (dims.isEmpty()) { dims.add(1); st.add(new long[strides.length]); }
        int n = dims.size();
        int[] d = new int[n];
        long[][] out = new long[strides.length][n];
        for (int i = 0; i < n; i++) {
            d[i] = dims.get(n - 1 - i);
            for (int t = 0; t < strides.length; t++) out[t][i] = st.get(n - 1 - i)[t];
        }
        return new Collapsed(d, out);
    }

    /**
     * (row stride) when all dimensions before the last {@code keep} of {@code t} merge into one
     * (so row r starts at offset + r·stride); null when they do not.
     */
    static Long leadingStride(Tensor t, int keep) {
        int lead = t.rank() - keep;
        long stride = 0, expect = -1;
        for (int i = lead - 1; i >= 0; i--) {
            int n = t.dim(i);
            if (n == 1) continue;
            long s = t.stride(i);
            if (expect >= 0 && s != expect) return null;
            if (expect < 0) stride = s;
            expect = s * n;
        }
        return stride;
    }

    /** Number of rows: the product of all but the last {@code keep} dimensions. */
    static long leadingCount(Tensor t, int keep) {
        long n = 1;
        for (int i = 0; i < t.rank() - keep; i++) n *= t.dim(i);
        return n;
    }
}
