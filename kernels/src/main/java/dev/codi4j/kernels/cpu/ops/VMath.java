package dev.codi4j.kernels.cpu.ops;

import dev.codi4j.kernels.cpu.Lanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector float math for the activation and softmax kernels. Our own formulas rather than the
 * Vector API's transcendental lanewise operators, so results are the same on every platform and
 * their accuracy is known:
 * <ul>
 *   <li>{@link #exp}: Cody-Waite reduction and Cephes' expf polynomial, within 2 ulp, correct
 *   overflow to infinity and gradual underflow;</li>
 *   <li>{@link #normalCdf} (for GELU): erfc(|x|/√2) = t·exp(−x²/2 + P(t)), t = 1/(1 + |x|/2), P of
 *   degree 10 fitted for this code by reweighted least squares against mpmath, with −x²/2 carried
 *   exactly as a float pair, so Φ is within about 3e-7 relative everywhere, including the far
 *   negative tail where 0.5·(1 + erf) would cancel.</li>
 * </ul>
 *
 * <p>Every constant is a ready vector: a broadcast per use costs C2 parse nodes, and a kernel
 * that exceeds C2's inlining node budget gets these functions as calls on boxed vectors, ten to
 * fifty times slower. Callers keep one inlined copy of a function per compiled method.
 */
public final class VMath {
    private VMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static FloatVector v(float c) { return FloatVector.broadcast(F, c); }

    private static final FloatVector ONE = v(1f), HALF = v(0.5f), NEG_HALF = v(-0.5f);
    private static final FloatVector LOG2E = v(1.44269504088896341f), MAGIC = v(12582912f); // 1.5·2^23: adding it rounds to an integer
    private static final FloatVector NEG_LN2_HI = v(-0.693359375f), NEG_LN2_LO = v(2.12194440e-4f);
    // Cephes expf: e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2
    private static final FloatVector P0 = v(1.9875691500e-4f), P1 = v(1.3981999507e-3f), P2 = v(8.3334519073e-3f),
            P3 = v(4.1665795894e-2f), P4 = v(1.6666665459e-1f), P5 = v(5.0000001201e-1f);
    /** Below this exp(x) is a float denormal. */
    private static final float MIN_NORMAL_ARG = -87.33654f;
    private static final FloatVector MIN_ARG = v(MIN_NORMAL_ARG), LOW_CLAMP = v(-104f), HIGH_CLAMP = v(88.8f);

    private static final int L = F.length();
    /** The sum of the lanes in a fixed order (see {@link Lanes}: reduceLanes(ADD) differs between JIT tiers). */
    public static float sum(FloatVector v) { return Lanes.sum(v); }

    /** e^r for |r| ≤ ln2/2 (Cephes expf polynomial). */
    private static FloatVector expPoly(FloatVector r) {
        FloatVector p = r.fma(P0, P1).fma(r, P2).fma(r, P3).fma(r, P4).fma(r, P5);
        return p.fma(r.mul(r), r).add(ONE);
    }

    /** e^x for every float x: NaN stays NaN, overflow gives +∞, tiny results are denormal or 0. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LOW_CLAMP).min(HIGH_CLAMP); // NaN-propagating clamps; beyond them the result is 0 or ∞ anyway
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(NEG_LN2_LO, n.fma(NEG_LN2_HI, xc));
        FloatVector p = expPoly(r);
        // 2^n as two factors so n = 128 (overflow) and n < -126 (denormals) both come out right
        var ni = t.reinterpretAsInts().sub(0x4B400000);
        var n1 = ni.lanewise(VectorOperators.ASHR, 1);
        var n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /**
     * e^x for x ≤ 0 (including −∞), returning exactly 0 below the float normal range: softmax
     * relies on masked (−∞) scores giving exact zeros.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        return expNonPositive(x, null);
    }

    /** e^(hi+lo) for hi ≤ 0 and |lo| tiny against ulp(hi) (null for 0): the low part joins after argument reduction. */
    private static FloatVector expNonPositive(FloatVector hi, FloatVector lo) {
        FloatVector xc = hi.max(MIN_ARG);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(NEG_LN2_LO, n.fma(NEG_LN2_HI, xc));
        if (lo != null) r = r.add(lo);
        FloatVector p = expPoly(r);
        FloatVector s = t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s).blend(0f, hi.compare(VectorOperators.LT, MIN_NORMAL_ARG));
    }

    // e^r ≈ 1 + r·(S1 + r·(S2 + r·(S3 + r·(S4 + r·S5)))) on |r| ≤ ln2/2, fitted for this code (relative error 9e-8, 1.7e-7 in float)
    private static final FloatVector S1 = v(0.999999707194228f), S2 = v(0.49999149521825964f), S3 = v(0.16667636183744136f),
            S4 = v(0.04189793014574518f), S5 = v(0.008290315336749966f);

    /**
     * The attention softmax's exp for x ≤ 0: within 3 ulp for x ≥ −87.3; below that (masked
     * scores, −∞ included) it returns about 1.2e-38 instead of 0, which the kernel accounts for
     * (a row whose running max is still −∞ has no visible key). Four operations cheaper than
     * {@link #expNonPositive}, which matters at head dimension 64, where exp costs about a sixth
     * of the attention's instructions.
     */
    public static FloatVector expSoftmax(FloatVector x) {
        FloatVector xc = x.max(MIN_ARG);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = n.fma(NEG_LN2_LO, n.fma(NEG_LN2_HI, xc));
        FloatVector p = r.fma(S5, S4).fma(r, S3).fma(r, S2).fma(r, S1).fma(r, ONE);
        return p.mul(t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    // P(s), s = t − 0.5, t = 1/(1 + |x|/2): erfc(|x|/√2) = t·exp(−x²/2 + P)
    private static final FloatVector E0 = v(-0.3968899815633013f), E1 = v(0.9857247257955819f), E2 = v(-0.31451434615071633f),
            E3 = v(-0.28651518219196564f), E4 = v(0.33507064280023485f), E5 = v(0.03424280746097465f), E6 = v(-0.3657860318775997f),
            E7 = v(0.26746887690389004f), E8 = v(0.17146036866985617f), E9 = v(-0.39080069350381774f), E10 = v(0.18217156865369755f);

    /** Φ(x), the standard normal CDF, to about 3e-7 relative for every x. */
    public static FloatVector normalCdf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = ONE.div(ax.fma(HALF, ONE));
        FloatVector s = t.sub(HALF);
        FloatVector p = s.fma(E10, E9).fma(s, E8).fma(s, E7).fma(s, E6).fma(s, E5).fma(s, E4).fma(s, E3).fma(s, E2).fma(s, E1).fma(s, E0);
        // −x²/2 exactly as h + hl, then h + p as a two-sum, so the exponent carries no rounding error
        FloatVector xx = ax.mul(ax);
        FloatVector h = xx.mul(NEG_HALF);
        FloatVector hl = ax.fma(ax, xx.neg()).mul(NEG_HALF);
        FloatVector sum = h.add(p);
        FloatVector bb = sum.sub(h);
        FloatVector lo = h.sub(sum.sub(bb)).add(p.sub(bb)).add(hl);
        FloatVector tail = t.mul(HALF).mul(expNonPositive(sum, lo)); // Φ(−|x|)
        return ONE.sub(tail).blend(tail, x.compare(VectorOperators.LT, 0f));
    }

    /** GELU with the exact erf: x·Φ(x) (PyTorch {@code approximate='none'}). */
    public static FloatVector gelu(FloatVector x) { return x.mul(normalCdf(x)); }

    private static final FloatVector TANH_A = v(-2f * 0.7978845608028654f), TANH_B = v((float) (-2 * 0.7978845608028654 * 0.044715));

    /** 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³). */
    public static FloatVector geluTanh(FloatVector x) {
        FloatVector m2u = x.mul(x).fma(TANH_B, TANH_A).mul(x);
        return x.div(exp(m2u).add(ONE));
    }

    private static final FloatVector NEG_1702 = v(-1.702f);

    /** x·σ(1.702x), OpenAI CLIP's activation. */
    public static FloatVector quickGelu(FloatVector x) { return x.div(exp(x.mul(NEG_1702)).add(ONE)); }

    /** x·σ(x). */
    public static FloatVector silu(FloatVector x) { return x.div(exp(x.neg()).add(ONE)); }

    /** 1/(1 + e^−x). */
    public static FloatVector sigmoid(FloatVector x) { return ONE.div(exp(x.neg()).add(ONE)); }
}
