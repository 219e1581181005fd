package dev.codi4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NumericsTest {

    /** BF16 RNE against exact decimal arithmetic: the result is the nearest bf16, ties to even mantissa. */
    @Test void bf16RoundsToNearestEven() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) continue;
            short b = Numerics.f32ToBf16(f);
            float got = Numerics.bf16ToF32(b);
            int bits = Float.floatToRawIntBits(f);
            float down = Float.intBitsToFloat(bits & 0xFFFF0000);
            float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
            BigDecimal x = new BigDecimal(f), dd = x.subtract(new BigDecimal(down)).abs();
            if (Float.isInfinite(up)) { assertTrue(got == down || Float.isInfinite(got)); continue; }
            BigDecimal du = new BigDecimal(up).subtract(x).abs();
            int c = dd.compareTo(du);
            float want = c < 0 ? down : c > 0 ? up : (((bits >>> 16) & 1) == 0 ? down : up);
            assertEquals(want, got, "bf16 of " + f);
        }
        assertTrue(Float.isNaN(Numerics.bf16ToF32(Numerics.f32ToBf16(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Numerics.bf16ToF32(Numerics.f32ToBf16(Float.POSITIVE_INFINITY)));
    }

    @Test void f16RoundTripsEveryHalf() {
        for (int h = 0; h < 65536; h++) {
            float f = Numerics.f16ToF32((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals((short) h, Numerics.f32ToF16(f), "half " + Integer.toHexString(h));
        }
        assertEquals(Float.POSITIVE_INFINITY, Numerics.f16ToF32(Numerics.f32ToF16(65520f))); // rounds up past max
        assertEquals(65504f, Numerics.f16ToF32(Numerics.f32ToF16(65519f)));
    }

    @Test void q8_0BlockLayoutIsGgml() {
        float[] x = new float[32];
        for (int i = 0; i < 32; i++) x[i] = (i - 16) * 0.5f; // amax 8 → d = 8/127
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(34);
            Numerics.quantQ8_0(x, 0, s, 0);
            assertEquals(Numerics.f32ToF16(8f / 127f), s.get(Numerics.I16, 0));
            assertEquals(-127, s.get(Numerics.I8, 2));      // -8 → -127
            assertEquals(0, s.get(Numerics.I8, 2 + 16));    // 0
            assertEquals(8, s.get(Numerics.I8, 2 + 17));    // 0.5 / (8/127) = 7.94 → 8
            float[] back = new float[32];
            Numerics.dequantQ8_0(s, 0, back, 0);
            for (int i = 0; i < 32; i++) assertEquals(x[i], back[i], 8f / 127f / 2 + 1e-3f);
        }
    }

    @Test void q4_0BlockLayoutIsGgml() {
        float[] x = new float[32];
        x[0] = -8f;          // the max-magnitude value, negative → d = -8/-8 = 1
        x[16] = 7f;          // second half, same byte as x[0] (high nibble)
        x[5] = 3f;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(18);
            Numerics.quantQ4_0(x, 0, s, 0);
            assertEquals(Numerics.f32ToF16(1f), s.get(Numerics.I16, 0));
            int b0 = s.get(Numerics.I8, 2) & 0xFF;
            assertEquals(0, b0 & 0xF);        // -8 + 8
            assertEquals(15, b0 >>> 4);       // 7 + 8
            assertEquals(11, s.get(Numerics.I8, 2 + 5) & 0xF);
            float[] back = new float[32];
            Numerics.dequantQ4_0(s, 0, back, 0);
            assertArrayEquals(x, back);
        }
    }

    @Test void roundHalfAwayMatchesC() {
        assertEquals(3, Numerics.roundHalfAway(2.5f));
        assertEquals(-3, Numerics.roundHalfAway(-2.5f));
        assertEquals(2, Numerics.roundHalfAway(2.4999998f));
        assertEquals(0, Numerics.roundHalfAway(-0.49999997f));
    }

    @Test void erfMatchesKnownValues() {
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-15);
        assertEquals(-0.5204998778130465, Erf.erf(-0.5), 1e-15);
        assertEquals(0.9999779095030014, Erf.erf(3), 1e-15);
        assertEquals(0.0112834155558496, Erf.erf(0.01), 1e-15);
        assertEquals(1.0, Erf.erf(6), 1e-15);
        assertEquals(0.9999999845827421, Erf.erf(4), 1e-15);
    }
}
