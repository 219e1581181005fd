package dev.codi4j.kernels.cpu.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector float math for the activation and softmax kernels. Our own formulas rather than the
 * Vector API's transcendental lanewise operators, so results are the same on every platform and
 * their accuracy is known:
 * <ul>
 *   <li>{@link #exp}: Cody-Waite reduction and Cephes' expf polynomial, within 2 ulp, correct
 *   overflow to infinity and gradual underflow;</li>
 *   <li>{@link #gelu}: x·Φ(x) with Φ from a complementary-error-function fit made for this
 *   code (erfc(|x|/√2) = t·exp(−x²/2 + P(t)), t = 1/(1 + |x|/2), P of degree 10, fitted by
 *   reweighted least squares against mpmath), with −x²/2 carried exactly as a float pair, so Φ is
 *   within about 2e-7 relative everywhere, including the far negative tail where
 *   0.5·(1 + erf) would cancel.</li>
 * </ul>
 */
public final class VMath {
    private VMath() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(F, 1f);

    private static final float LOG2E = 1.44269504088896341f;
    private static final float MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    /** Below this exp(x) is a float denormal; {@link #expNonPositive} returns 0 there. */
    private static final float MIN_NORMAL_ARG = -87.33654f;

    /** a·b + c. */
    static FloatVector madd(FloatVector a, float b, FloatVector c) { return a.fma(FloatVector.broadcast(F, b), c); }

    /** a·b + c. */
    static FloatVector madd(FloatVector a, FloatVector b, float c) { return a.fma(b, FloatVector.broadcast(F, c)); }

    /** e^r for |r| ≤ ln2/2 (Cephes expf polynomial). */
    private static FloatVector expPoly(FloatVector r) {
        FloatVector p = r.fma(P0, P1);
        p = madd(p, r, P2);
        p = madd(p, r, P3);
        p = madd(p, r, P4);
        p = madd(p, r, P5);
        return p.fma(r.mul(r), r).add(1f);
    }

    /** e^x for every float x: NaN stays NaN, overflow gives +∞, tiny results are denormal or 0. */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(-104f).min(88.8f); // NaN-propagating clamps; beyond them the result is 0 or ∞ anyway
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = madd(n, -LN2_HI, xc);
        r = madd(n, -LN2_LO, r);
        FloatVector p = expPoly(r);
        // 2^n as two factors so n = 128 (overflow) and n < -126 (denormals) both come out right
        IntVector ni = t.reinterpretAsInts().sub(0x4B400000);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = ni.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /**
     * e^x for x ≤ 0 (including −∞), returning exactly 0 below the float normal range: the softmax
     * and attention kernels rely on masked (−∞) scores giving exact zeros.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        FloatVector xc = x.max(MIN_NORMAL_ARG);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = madd(n, -LN2_HI, xc);
        r = madd(n, -LN2_LO, r);
        FloatVector p = expPoly(r);
        FloatVector s = t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s).blend(0f, x.compare(VectorOperators.LT, MIN_NORMAL_ARG));
    }

    /** e^(hi+lo) for hi ≤ 0 and |lo| tiny against ulp(hi): the low part joins after argument reduction. */
    private static FloatVector expNonPositive(FloatVector hi, FloatVector lo) {
        FloatVector xc = hi.max(MIN_NORMAL_ARG);
        FloatVector t = xc.fma(LOG2E, MAGIC);
        FloatVector n = t.sub(MAGIC);
        FloatVector r = madd(n, -LN2_HI, xc);
        r = madd(n, -LN2_LO, r).add(lo);
        FloatVector p = expPoly(r);
        FloatVector s = t.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s).blend(0f, hi.compare(VectorOperators.LT, MIN_NORMAL_ARG));
    }

    // P(s), s = t - 0.5, t = 1/(1 + |x|/2): erfc(|x|/√2) = t·exp(−x²/2 + P)
    private static final float E0 = -0.3968899815633013f, E1 = 0.9857247257955819f, E2 = -0.31451434615071633f,
            E3 = -0.28651518219196564f, E4 = 0.33507064280023485f, E5 = 0.03424280746097465f, E6 = -0.3657860318775997f,
            E7 = 0.26746887690389004f, E8 = 0.17146036866985617f, E9 = -0.39080069350381774f, E10 = 0.18217156865369755f;

    /** Φ(x), the standard normal CDF, to about 2e-7 relative for every x. */
    public static FloatVector normalCdf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = ONE.div(ax.fma(0.5f, 1f));
        FloatVector s = t.sub(0.5f);
        FloatVector p = s.fma(E10, E9);
        p = madd(p, s, E8);
        p = madd(p, s, E7);
        p = madd(p, s, E6);
        p = madd(p, s, E5);
        p = madd(p, s, E4);
        p = madd(p, s, E3);
        p = madd(p, s, E2);
        p = madd(p, s, E1);
        p = madd(p, s, E0);
        // −x²/2 exactly as hi + lo, then hi + p as a two-sum, so the exponent has no rounding error
        FloatVector xx = ax.mul(ax);
        FloatVector xxLo = ax.fma(ax, xx.neg());
        FloatVector h = xx.mul(-0.5f);
        FloatVector sum = h.add(p);
        FloatVector bb = sum.sub(h);
        FloatVector err = h.sub(sum.sub(bb)).add(p.sub(bb));
        FloatVector lo = err.add(xxLo.mul(-0.5f));
        FloatVector tail = t.mul(0.5f).mul(expNonPositive(sum, lo)); // Φ(−|x|)
        return tail.neg().add(1f).blend(tail, x.compare(VectorOperators.LT, 0f));
    }

    /** GELU with the exact erf: x·Φ(x) (PyTorch {@code approximate='none'}). */
    public static FloatVector gelu(FloatVector x) { return x.mul(normalCdf(x)); }

    private static final float SQRT_2_OVER_PI = 0.7978845608028654f;
    private static final float TANH_C = (float) (0.7978845608028654 * 0.044715);

    /** 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³). */
    public static FloatVector geluTanh(FloatVector x) {
        FloatVector m2u = x.mul(x).fma(-2f * TANH_C, -2f * SQRT_2_OVER_PI).mul(x);
        return x.div(exp(m2u).add(1f));
    }

    /** x·σ(1.702x), OpenAI CLIP's activation. */
    public static FloatVector quickGelu(FloatVector x) { return x.div(exp(x.mul(-1.702f)).add(1f)); }

    /** x·σ(x). */
    public static FloatVector silu(FloatVector x) { return x.div(exp(x.neg()).add(1f)); }

    /** 1/(1 + e^−x). */
    public static FloatVector sigmoid(FloatVector x) { return ONE.div(exp(x.neg()).add(1f)); }
}
