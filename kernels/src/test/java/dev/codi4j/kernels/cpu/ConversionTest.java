package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** F16/BF16/Q8_0/Q4_0 conversions of the CPU backend are bit-identical to {@link Numerics} (tolerance: none). */
class ConversionTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    static Tensor floats(float[] v) { return Tensor.fromFloats(v, v.length); }

    static short[] shorts(Tensor t) { return t.data().toArray(Numerics.I16); }

    /**
     * Exact equality, except that NaN payloads may differ: {@link Float#floatToFloat16} quiets
     * signalling NaNs when C2 turns it into the hardware instruction and keeps them when interpreted,
     * so not even the reference itself is reproducible there.
     */
    static void assertHalf(short want, short got, String what) {
        boolean wantNaN = (want & 0x7C00) == 0x7C00 && (want & 0x03FF) != 0, gotNaN = (got & 0x7C00) == 0x7C00 && (got & 0x03FF) != 0;
        if (wantNaN && gotNaN && (want & 0x8000) == (got & 0x8000)) return;
        assertEquals(Integer.toHexString(want & 0xFFFF), Integer.toHexString(got & 0xFFFF), what);
    }

    @Test void everyHalfWidensExactly() {
        Tensor h = Tensor.allocate(DType.F16, 65536);
        for (int i = 0; i < 65536; i++) h.segment().set(Numerics.I16, 2L * i, (short) i);
        Tensor f = CPU.copyOf(h, DType.F32);
        for (int i = 0; i < 65536; i++) {
            float want = Numerics.f16ToF32((short) i), got = f.getFloat(i);
            if (Float.isNaN(want) && Float.isNaN(got) && Math.copySign(1f, want) == Math.copySign(1f, got)) continue; // payload: see assertHalf
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(i));
        }
        // and every half survives F16 → F32 → F16 (a NaN stays a NaN of the same sign)
        short[] back = shorts(CPU.copyOf(f, DType.F16));
        for (int i = 0; i < 65536; i++) assertHalf((short) i, back[i], "half round trip of 0x" + Integer.toHexString(i));
    }

    /** Every half, the midpoints between neighbours (ties), one float ulp either side of them, and random bit patterns. */
    static float[] hardFloatsForHalf(Random r, int random) {
        float[] v = new float[65536 * 4 + random];
        int n = 0;
        for (int i = 0; i < 65536; i++) {
            float a = Float.float16ToFloat((short) i);
            v[n++] = a;
            float b = Float.float16ToFloat((short) (i + 1));
            float mid = (float) (((double) a + b) / 2); // exact: halves have 11 significant bits
            v[n++] = mid;
            v[n++] = Math.nextUp(mid);
            v[n++] = Math.nextDown(mid);
        }
        while (n < v.length) v[n++] = Float.intBitsToFloat(r.nextInt());
        return v;
    }

    @Test void floatsToHalfRoundToNearestEven() {
        float[] v = hardFloatsForHalf(new Random(1), 2_000_000);
        short[] got = shorts(CPU.copyOf(floats(v), DType.F16));
        for (int i = 0; i < v.length; i++) {
            if (got[i] != Numerics.f32ToF16(v[i])) assertHalf(Numerics.f32ToF16(v[i]), got[i], "f32→f16 of " + v[i] + " bits 0x" + Integer.toHexString(Float.floatToRawIntBits(v[i])));
        }
    }

    @Test void floatsToBf16RoundToNearestEvenKeepingNaN() {
        Random r = new Random(2);
        float[] v = new float[3_000_000];
        for (int i = 0; i < v.length; i++) {
            int bits = r.nextInt();
            if (i % 4 == 1) bits = (bits & 0xFFFF0000) | 0x8000;          // exact ties
            if (i % 4 == 2) bits = (bits & 0xFFFF0000) | (r.nextBoolean() ? 0x7FFF : 0x8001); // one off a tie
            if (i % 16 == 3) bits = 0x7F800000 | (bits & 0x807FFFFF) | 1; // NaNs with payloads
            v[i] = Float.intBitsToFloat(bits);
        }
        short[] got = shorts(CPU.copyOf(floats(v), DType.BF16));
        for (int i = 0; i < v.length; i++) {
            if (got[i] != Numerics.f32ToBf16(v[i])) assertEquals(Numerics.f32ToBf16(v[i]), got[i], "f32→bf16 of bits 0x" + Integer.toHexString(Float.floatToRawIntBits(v[i])));
        }
        // widening is exact for every pattern
        Tensor b = Tensor.allocate(DType.BF16, 65536);
        for (int i = 0; i < 65536; i++) b.segment().set(Numerics.I16, 2L * i, (short) i);
        Tensor f = CPU.copyOf(b, DType.F32);
        for (int i = 0; i < 65536; i++) assertEquals(Float.floatToRawIntBits(Numerics.bf16ToF32((short) i)), Float.floatToRawIntBits(f.getFloat(i)), "bf16 0x" + Integer.toHexString(i));
    }

    /** Blocks that exercise every branch of GGML's reference quantisers. */
    static float[] hardBlocks(Random r, int randomBlocks) {
        int special = 16;
        float[] v = new float[(special + randomBlocks) * 32];
        for (int b = 0; b < special + randomBlocks; b++) {
            int o = b * 32;
            for (int j = 0; j < 32; j++) v[o + j] = (float) r.nextGaussian() * (b % 3 == 0 ? 1e-3f : b % 3 == 1 ? 1f : 300f);
            switch (b) {
                case 0 -> java.util.Arrays.fill(v, o, o + 32, 0f);
                case 1 -> java.util.Arrays.fill(v, o, o + 32, -0f);
                case 2 -> v[o + 7] = Float.NaN;
                case 3 -> v[o + 3] = Float.POSITIVE_INFINITY;
                case 4 -> v[o + 30] = Float.NEGATIVE_INFINITY;
                case 5 -> { v[o + 5] = 4f; v[o + 20] = -4f; }  // amax tie, positive first
                case 6 -> { v[o + 5] = -4f; v[o + 20] = 4f; }  // amax tie, negative first
                case 7 -> { for (int j = 0; j < 32; j++) v[o + j] = (j - 16) * 0.5f; } // many exact .5 ties after scaling
                case 8 -> { for (int j = 0; j < 32; j++) v[o + j] = Float.MIN_VALUE * (j + 1); } // denormals
                case 9 -> { for (int j = 0; j < 32; j++) v[o + j] = (j % 2 == 0 ? 1 : -1) * 3e38f; } // near overflow
                case 10 -> { java.util.Arrays.fill(v, o, o + 32, 0f); v[o + 31] = -1e-20f; }
                case 11 -> { for (int j = 0; j < 32; j++) v[o + j] = 127f * (j - 15) / 16f; }
                case 12 -> { java.util.Arrays.fill(v, o, o + 32, 2.5f); }
                case 13 -> { v[o] = 1e7f; } // the scale overflows f16
                default -> { }
            }
        }
        return v;
    }

    @Test void quantisationIsBitExactWithGgmlReference() {
        float[] v = hardBlocks(new Random(3), 6_000);
        for (DType q : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor src = Tensor.fromFloats(v, v.length / 64, 64);
            byte[] got = CPU.copyOf(src, q).data().toArray(Numerics.I8);
            byte[] want = Layouts.REF.copyOf(src, q).data().toArray(Numerics.I8);
            for (int i = 0; i < want.length; i++) {
                if (got[i] != want[i]) {
                    int block = i / q.blockBytes();
                    assertEquals(want[i], got[i], q + ": byte " + (i % q.blockBytes()) + " of block " + block + " (values from " + v[block * 32] + ")");
                }
            }
            // dequantisation too, to F32 (and through it to F16/BF16)
            Tensor qt = Layouts.REF.copyOf(src, q);
            for (DType out : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                assertArrayEquals(Layouts.REF.copyOf(qt, out).data().toArray(Numerics.I8), CPU.copyOf(qt, out).data().toArray(Numerics.I8), q + " → " + out);
            }
        }
    }

    @Test void halfPrecisionSourcesQuantiseExactly() {
        Tensor src = Layouts.REF.copyOf(Tensor.fromFloats(hardBlocks(new Random(4), 200), 216, 32), DType.F16);
        for (DType q : new DType[] {DType.Q8_0, DType.Q4_0}) {
            assertArrayEquals(Layouts.REF.copyOf(src, q).data().toArray(Numerics.I8), CPU.copyOf(src, q).data().toArray(Numerics.I8), "f16 → " + q);
        }
    }

    @Test void sameBlockTypeCopiesBlocksVerbatim() {
        Tensor q = Layouts.REF.copyOf(Layouts.rand(new Random(5), 3f, 6, 96), DType.Q4_0);
        Tensor out = CPU.copyOf(q, DType.Q4_0);
        assertArrayEquals(q.data().toArray(Numerics.I8), out.data().toArray(Numerics.I8));
    }
}
