package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Random tensors and the same logical values in different memory layouts, for kernel tests. */
final class Layouts {
    private Layouts() {}

    static final ReferenceBackend REF = new ReferenceBackend();

    record Named(String layout, Tensor t) {
        @Override public String toString() { return layout + " " + t.describe(); }
    }

    /** Uniform in (−scale, scale). */
    static Tensor rand(Random r, float scale, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (r.nextFloat() * 2 - 1) * scale;
        return Tensor.fromFloats(v, shape);
    }

    /** Standard normal times scale plus shift. */
    static Tensor randn(Random r, float scale, float shift, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * scale + shift);
        return Tensor.fromFloats(v, shape);
    }

    /** {@code values} (any layout) copied into a fresh tensor of dtype {@code dt} in the named layout. */
    static Tensor layout(Tensor values, DType dt, String kind) {
        int[] s = values.shape();
        int r = s.length;
        Tensor view = switch (kind) {
            case "contiguous" -> Tensor.zeros(dt, s);
            case "transposed" -> {
                int[] p = s.clone();
                p[r - 1] = s[r - 2];
                p[r - 2] = s[r - 1];
                yield Tensor.zeros(dt, p).transpose(-1, -2);
            }
            case "narrowed" -> {
                int[] p = s.clone();
                p[r - 1] += 5;
                yield Tensor.zeros(dt, p).narrow(-1, 2, s[r - 1]);
            }
            case "permuted" -> {
                int[] p = new int[r], perm = new int[r];
                for (int i = 0; i < r; i++) { p[i] = s[r - 1 - i]; perm[i] = r - 1 - i; }
                yield Tensor.zeros(dt, p).permute(perm);
            }
            case "outerNarrowed" -> { // rows of a bigger tensor: unit inner stride, gaps between rows
                int[] p = s.clone();
                p[0] += 2;
                yield Tensor.zeros(dt, p).narrow(0, 1, s[0]);
            }
            default -> throw new IllegalArgumentException(kind);
        };
        REF.copy(values, view);
        return view;
    }

    /** The layouts that make sense for a shape of this rank. */
    static List<String> kinds(int rank) {
        List<String> k = new ArrayList<>(List.of("contiguous", "narrowed", "outerNarrowed"));
        if (rank >= 2) k.add("transposed");
        if (rank >= 3) k.add("permuted");
        return k;
    }

    static List<Named> layouts(Tensor values) {
        List<Named> out = new ArrayList<>();
        for (String k : kinds(values.rank())) out.add(new Named(k, layout(values, DType.F32, k)));
        return out;
    }

    /** All bytes of a tensor's storage (so writes outside a view are seen too). */
    static byte[] storageBytes(Tensor t) {
        return t.segment().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** A fresh tensor with the same layout over a copy of {@code t}'s storage bytes. */
    static Tensor cloneStorage(Tensor t) {
        MemorySegment copy = MemorySegment.ofArray(storageBytes(t).clone());
        Tensor fresh = Tensor.allocate(DType.U8, Math.toIntExact(copy.byteSize()));
        MemorySegment.copy(copy, 0, fresh.segment(), 0, copy.byteSize());
        return new Tensor(fresh.storage(), t.dtype(), t.shape(), t.strides(), t.offset());
    }

    static String shape(int... s) { return Arrays.toString(s); }
}
