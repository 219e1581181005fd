package dev.codi4j.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Deterministic horizontal sums. {@code FloatVector.reduceLanes(ADD)} leaves the order of its
 * additions to the implementation, and the interpreter, C1 and C2 do use different orders, so the
 * same call can give different bits before and after JIT compilation. Adding the vector to itself
 * with lanes swapped at distances L/2, L/4, ..., 1 fixes the tree, costs log2(L) shuffles, and keeps
 * "same inputs → same bytes" true at every tier.
 */
public final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] PREFERRED_SWAPS = swaps(PREFERRED);

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] swaps(VectorSpecies<Float> s) {
        int n = Integer.numberOfTrailingZeros(s.length());
        VectorShuffle<Float>[] out = new VectorShuffle[n];
        for (int k = 0; k < n; k++) {
            int d = s.length() >> (k + 1);
            out[k] = VectorShuffle.fromOp(s, i -> i ^ d);
        }
        return out;
    }

    /** Sum of all lanes of {@code v}, in an order fixed by the lane count. */
    public static float sum(FloatVector v) {
        VectorShuffle<Float>[] sw = v.species() == PREFERRED ? PREFERRED_SWAPS : swaps(v.species());
        for (VectorShuffle<Float> s : sw) v = v.add(v.rearrange(s));
        return v.lane(0);
    }
}
