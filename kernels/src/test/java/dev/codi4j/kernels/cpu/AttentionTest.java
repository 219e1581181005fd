package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.testing.OpFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Flash attention against the reference (double precision, full score matrix): both kernels
 * (decode: ≤ 8 query rows per K/V head; tiled otherwise), grouped-query heads, masks of every
 * broadcast shape, causal with Sq = 1, Sq &lt; Sk, Sq = Sk and Sq &gt; Sk, sizes that are not
 * multiples of the 48-query and 128-key tiles, strided views as a model passes them, F16 K/V.
 * Tolerance: |cpu − ref| / (1 + |ref|) ≤ 1e-5.
 */
class AttentionTest {
    static final CpuBackend CPU = new CpuBackend(2);
    static final double TOL = 1e-5;

    @AfterAll static void close() { CPU.close(); }

    record Case(String name, int b, int h, int hk, int sq, int sk, int d, int dv, boolean causal, String mask) {
        @Override public String toString() {
            return name + " B" + b + " H" + h + "/" + hk + " Sq" + sq + " Sk" + sk + " D" + d + "/" + dv + (causal ? " causal" : "") + (mask == null ? "" : " mask " + mask);
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("tiny", 1, 1, 1, 1, 1, 8, 8, false, null));
        c.add(new Case("decode", 1, 4, 4, 1, 300, 64, 64, false, null));
        c.add(new Case("decode causal", 2, 4, 4, 1, 77, 128, 128, true, null));
        c.add(new Case("decode gqa", 1, 8, 2, 1, 200, 64, 64, true, null));
        c.add(new Case("decode gqa 2 rows", 1, 8, 2, 2, 130, 32, 32, true, "full"));
        c.add(new Case("fixture-like", 2, 4, 2, 3, 7, 8, 5, false, "2d"));
        c.add(new Case("9 rows (tiled)", 1, 2, 2, 9, 40, 16, 16, true, null));
        c.add(new Case("clip text", 1, 2, 2, 77, 77, 64, 64, true, null));
        c.add(new Case("clip text mask", 2, 2, 2, 77, 77, 64, 64, false, "2d"));
        c.add(new Case("vit", 1, 2, 2, 50, 257, 80, 80, false, null));
        c.add(new Case("Sq=Sk causal", 1, 2, 1, 200, 200, 64, 64, true, null));
        c.add(new Case("Sq<Sk causal", 1, 2, 2, 130, 300, 40, 24, true, null));
        c.add(new Case("Sq>Sk causal", 1, 1, 1, 300, 130, 32, 32, true, null));
        c.add(new Case("key padding", 2, 3, 3, 49, 129, 64, 64, false, "keys"));
        c.add(new Case("full mask", 1, 2, 2, 97, 193, 16, 48, false, "full"));
        c.add(new Case("masked rows", 1, 2, 2, 60, 70, 16, 16, false, "holes"));
        c.add(new Case("finfo.min", 1, 1, 1, 20, 33, 8, 8, true, "finfo"));
        c.add(new Case("llama prefill", 1, 2, 2, 193, 193, 128, 128, true, null));
        c.add(new Case("wide dv", 1, 1, 1, 50, 64, 8, 144, false, null));
        return c;
    }

    static Tensor mask(Random r, Case c) {
        if (c.mask == null) return null;
        return switch (c.mask) {
            case "2d" -> Layouts.randn(r, 1f, 0f, 1, 1, c.sq, c.sk);
            case "full" -> Layouts.randn(r, 1f, 0f, c.b, c.h, c.sq, c.sk);
            case "keys" -> { // padding: the last keys of each batch hidden with −∞
                float[] m = new float[c.b * c.sk];
                for (int bb = 0; bb < c.b; bb++) for (int j = c.sk - 5 - 7 * bb; j < c.sk; j++) m[bb * c.sk + j] = Float.NEGATIVE_INFINITY;
                yield Tensor.fromFloats(m, c.b, 1, 1, c.sk);
            }
            case "holes" -> { // some query rows see no key at all: their output is 0
                float[] m = new float[c.sq * c.sk];
                for (int i = 0; i < c.sq; i++) for (int j = 0; j < c.sk; j++) m[i * c.sk + j] = i % 7 == 3 || (j + i) % 3 == 0 ? Float.NEGATIVE_INFINITY : 0f;
                yield Tensor.fromFloats(m, c.sq, c.sk);
            }
            case "finfo" -> { // HF's masks use float32 min, not −∞: rows i < 4 hide every key that way (→ uniform weights)
                float[] m = new float[c.sq * c.sk];
                for (int i = 0; i < c.sq; i++) for (int j = 0; j < c.sk; j++) m[i * c.sk + j] = i < 4 || j % 2 == 1 ? -Float.MAX_VALUE : 0f;
                yield Tensor.fromFloats(m, 1, c.sq, c.sk);
            }
            default -> throw new IllegalArgumentException(c.mask);
        };
    }

    @TestFactory Stream<DynamicTest> matchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(51);
        for (Case c : cases()) {
            Tensor q = Layouts.randn(r, 1f, 0f, c.b, c.h, c.sq, c.d);
            Tensor k = Layouts.randn(r, 1f, 0f, c.b, c.hk, c.sk, c.d);
            Tensor v = Layouts.randn(r, 1f, 0f, c.b, c.hk, c.sk, c.dv);
            Tensor m = mask(r, c);
            float scale = (float) (1 / Math.sqrt(c.d)) * 1.7f; // sharper than usual: stresses the running max
            Tensor want = Layouts.REF.attention(q, k, v, m, c.causal, scale);
            tests.add(DynamicTest.dynamicTest(c + " contiguous", () -> OpFixtures.assertClose(want, CPU.attention(q, k, v, m, c.causal, scale), TOL, c.toString())));
            // the model's layout: q, k, v are (B, S, H, D) projections viewed as (B, H, S, D); K/V in a longer cache
            tests.add(DynamicTest.dynamicTest(c + " permuted views", () -> {
                Tensor qp = Layouts.REF.contiguous(q.permute(0, 2, 1, 3)).permute(0, 2, 1, 3);
                Tensor kc = Tensor.zeros(DType.F32, c.b, c.sk + 11, c.hk, c.d), vc = Tensor.zeros(DType.F32, c.b, c.sk + 11, c.hk, c.dv);
                Tensor kp = kc.narrow(1, 0, c.sk).permute(0, 2, 1, 3), vp = vc.narrow(1, 0, c.sk).permute(0, 2, 1, 3);
                Layouts.REF.copy(k, kp);
                Layouts.REF.copy(v, vp);
                Tensor outBuf = Tensor.zeros(DType.F32, c.b, c.sq, c.h, c.dv);
                CPU.attention(qp, kp, vp, m, c.causal, scale, outBuf.permute(0, 2, 1, 3));
                OpFixtures.assertClose(want, Layouts.REF.contiguous(outBuf.permute(0, 2, 1, 3)), TOL, c + " views");
            }));
        }
        return tests.stream();
    }

    @Test void halfPrecisionKeysAndValues() {
        Random r = new Random(52);
        for (int sq : new int[] {1, 100}) {
            Tensor q = Layouts.randn(r, 1f, 0f, 1, 4, sq, 64);
            Tensor k = Layouts.REF.copyOf(Layouts.randn(r, 1f, 0f, 1, 2, 150, 64), DType.F16);
            Tensor v = Layouts.REF.copyOf(Layouts.randn(r, 1f, 0f, 1, 2, 150, 64), DType.BF16);
            Tensor want = Layouts.REF.attention(q, k, v, null, true, 0.125f);
            OpFixtures.assertClose(want, CPU.attention(q, k, v, null, true, 0.125f), TOL, "f16 K, bf16 V, Sq " + sq);
        }
    }

    @Test void rowsWithoutVisibleKeysAreZero() {
        Random r = new Random(53);
        Tensor q = Layouts.randn(r, 1f, 0f, 1, 1, 60, 16), k = Layouts.randn(r, 1f, 0f, 1, 1, 10, 16), v = Layouts.randn(r, 1f, 0f, 1, 1, 10, 16);
        float[] out = CPU.attention(q, k, v, null, true, 0.25f).toFloatArray(); // query i sees keys j ≤ i − 50
        for (int i = 0; i < 50; i++) for (int c = 0; c < 16; c++) assertEquals(0f, out[i * 16 + c], "row " + i);
        OpFixtures.assertClose(Layouts.REF.attention(q, k, v, null, true, 0.25f), CPU.attention(q, k, v, null, true, 0.25f), TOL, "Sq > Sk causal");
    }

    @Test void badShapesAreRefused() {
        Tensor q = Tensor.zeros(DType.F32, 1, 3, 4, 8), k = Tensor.zeros(DType.F32, 1, 2, 5, 8), v = Tensor.zeros(DType.F32, 1, 2, 5, 8);
        assertThrows(ShapeException.class, () -> CPU.attention(q, k, v, null, false, 1f)); // 3 heads over 2 K/V heads
    }
}
