package dev.codi4j.loaders.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GGML types dequantised at load (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K) against
 * gguf-py's numpy dequantisation: fixture {@code gguf/kquants.gguf} and its expected F32 values,
 * written by {@code tools/fixtures/gguf_kquants.py}. Both compute fp16·int products in float32 in
 * the same order, so F32 reads must be bit-identical (tolerance 0) and F16 reads must be exactly
 * those values rounded to F16. (The script's {@code --check-ggml} mode found ggml's own C
 * {@code dequantize_row_*} bit-identical to gguf-py on this fixture too.)
 */
class GgufDequantTest {
    static final List<String> TYPES = List.of("q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_k");
    @TempDir Path dir;

    static Path res(String n) throws Exception { return Path.of(GgufDequantTest.class.getResource("/gguf/" + n).toURI()); }

    @Test void everyTypeMatchesGgufPyBitForBit() throws Exception {
        try (GgufFile g = GgufFile.open(res("kquants.gguf")); Weights exp = Weights.open(res("kquants.expected.safetensors"))) {
            assertEquals(TYPES.stream().sorted().toList(), exp.keys());
            for (String name : TYPES) {
                Tensor want = exp.get(name);
                float[] w = want.toFloatArray();
                assertEquals(name.toUpperCase(java.util.Locale.ROOT), g.info(name).fileDType());
                assertTrue(g.tensorInfo(name).type().dequantized(), name);
                assertEquals(DType.F16, g.info(name).dtype(), name + ": read as stored gives F16");
                assertArrayEquals(want.shape(), g.info(name).shape(), name);

                Tensor f32 = g.tensor(name, DType.F32);
                assertEquals(DType.F32, f32.dtype());
                assertArrayEquals(want.shape(), f32.shape(), name);
                float[] got = f32.toFloatArray();
                for (int i = 0; i < w.length; i++)
                    assertEquals(Float.floatToRawIntBits(w[i]), Float.floatToRawIntBits(got[i]), name + "[" + i + "]: " + w[i] + " vs " + got[i]);

                Tensor f16 = g.tensor(name);
                assertEquals(DType.F16, f16.dtype());
                assertArrayEquals(want.shape(), f16.shape());
                float[] h = f16.toFloatArray();
                for (int i = 0; i < w.length; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(w[i])), h[i], 0f, name + "[" + i + "] as F16");
                f32.close();
                f16.close();
            }
        }
    }

    /** Through Weights: as stored → F16; asked for F32 → exact; asked for Q8_0 → GGML's Q8_0 of the exact F32 values. */
    @Test void weightsConvertOnRequest() throws Exception {
        try (Weights w = Weights.open(res("kquants.gguf")); Weights exp = Weights.open(res("kquants.expected.safetensors"))) {
            Tensor want = exp.get("q4_k", 2, 512);
            assertEquals(DType.F16, w.get("q4_k", 2, 512).dtype());
            assertArrayEquals(want.toFloatArray(), w.get("q4_k", DType.F32, 2, 512).toFloatArray(), 0f);
            Tensor q8 = w.get("q6_k", DType.Q8_0, 3, 512);
            assertEquals(DType.Q8_0, q8.dtype());
            Tensor ref = Tensor.allocate(DType.Q8_0, 3, 512);
            Backends.forDevice(Device.CPU).copy(exp.get("q6_k"), ref);
            assertEquals(ref.data().mismatch(q8.data()), -1L, "same bytes as quantising gguf-py's F32 values");
            Tensor bf = w.get("q5_k", DType.BF16, 2, 512);
            assertEquals(DType.BF16, bf.dtype());
            WeightsException shape = assertThrows(WeightsException.class, () -> w.get("q4_k", 512, 2));
            assertTrue(shape.getMessage().contains("Q4_K") || shape.getMessage().contains("F16"), shape.getMessage());
            assertThrows(WeightsException.class, () -> w.get("q4_k", DType.I32, 2, 512), "float to int is refused");
        }
    }

    @Test void typesWithoutDequantisationAreStillRefused() throws Exception {
        try (GgufFile g = GgufFile.open(res("kquants.gguf"))) {
            assertNull(g.info("iq4nl").dtype());
            WeightsException e = assertThrows(WeightsException.class, () -> g.tensor("iq4nl"));
            assertTrue(e.getMessage().contains("IQ4_NL") && e.getMessage().contains("iq4nl"), e.getMessage());
            assertEquals(18, g.bytes("iq4nl").byteSize());
        }
    }

    /** Cutting the file inside the last (Q6_K) tensor is a FormatException naming it, at open, before any read. */
    @Test void truncatedKQuantTensorIsATypedError() throws Exception {
        byte[] all = Files.readAllBytes(res("kquants.gguf"));
        for (int cut : new int[] {1, 209, 700}) {
            Path p = dir.resolve("cut" + cut + ".gguf");
            Files.write(p, Arrays.copyOf(all, all.length - cut));
            FormatException e = assertThrows(FormatException.class, () -> GgufFile.open(p).close());
            assertTrue(e.getMessage().contains("'q6_k'") && e.getMessage().contains("truncated"), e.getMessage());
        }
    }

    /** The dequantiser itself refuses a source that is not whole blocks filling the output (no out-of-bounds read). */
    @Test void dequantiserChecksSizes() {
        try (Tensor out = Tensor.allocate(DType.F32, 256)) {
            MemorySegment short1 = MemorySegment.ofArray(new byte[143]);
            assertThrows(IllegalArgumentException.class, () -> GgmlDequant.dequantize(GgmlType.Q4_K, short1, out));
            MemorySegment two = MemorySegment.ofArray(new byte[288]);
            assertThrows(IllegalArgumentException.class, () -> GgmlDequant.dequantize(GgmlType.Q4_K, two, out));
            assertThrows(IllegalArgumentException.class, () -> GgmlDequant.dequantize(GgmlType.Q8_0, MemorySegment.ofArray(new byte[34 * 8]), out));
        }
    }

    /** A tensor large enough to be split across threads gives the same values as decoding its blocks one by one. */
    @Test void parallelSplitMatchesBlockByBlock() {
        for (GgmlType t : List.of(GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_1)) {
            int blocks = (5 << 20) / t.blockSize + 3; // ~5M elements, an odd block count
            byte[] raw = new byte[blocks * t.blockBytes];
            new Random(t.id).nextBytes(raw);
            for (int k = 0; k < blocks; k++) { // finite fp16 scales where each type keeps them
                int at = t == GgmlType.Q6_K ? k * t.blockBytes + 208 : k * t.blockBytes;
                raw[at + 1] &= 0x3F;
                if (t != GgmlType.Q6_K) raw[at + 3] &= 0x3F;
            }
            try (Tensor out = Tensor.allocate(DType.F32, blocks * t.blockSize)) {
                GgmlDequant.dequantize(t, MemorySegment.ofArray(raw), out);
                float[] got = out.toFloatArray(), y = new float[t.blockSize];
                for (int k = 0; k < blocks; k += 997) {
                    GgmlDequant.block(t, raw, k * t.blockBytes, y, 0);
                    assertArrayEquals(y, Arrays.copyOfRange(got, k * t.blockSize, (k + 1) * t.blockSize), 0f, t + " block " + k);
                }
                GgmlDequant.block(t, raw, (blocks - 1) * t.blockBytes, y, 0);
                assertArrayEquals(y, Arrays.copyOfRange(got, (blocks - 1) * t.blockSize, blocks * t.blockSize), 0f, t + " last block");
            }
        }
    }

    /** A hand-made Q4_K block checked against the formula written out: y = d·sc·q − dmin·m per sub-block. */
    @Test void q4kByHand() {
        byte[] b = new byte[144];
        short d = Float.floatToFloat16(0.5f), dmin = Float.floatToFloat16(0.25f);
        b[0] = (byte) d; b[1] = (byte) (d >> 8); b[2] = (byte) dmin; b[3] = (byte) (dmin >> 8);
        int[] sc = {1, 2, 3, 4, 63, 17, 33, 48}, mn = {0, 5, 9, 63, 1, 2, 40, 7};
        for (int j = 0; j < 4; j++) {
            b[4 + j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            b[8 + j] = (byte) (mn[j] | (mn[j + 4] >> 4) << 6);
            b[12 + j] = (byte) ((sc[j + 4] & 0xF) | (mn[j + 4] & 0xF) << 4);
        }
        Random r = new Random(3);
        for (int i = 16; i < 144; i++) b[i] = (byte) r.nextInt(256);
        float[] y = new float[256];
        GgmlDequant.block(GgmlType.Q4_K, b, 0, y, 0);
        for (int e = 0; e < 256; e++) {
            int sb = e / 32, chunk = e / 64, hi = (e / 32) % 2;
            int q = ((b[16 + chunk * 32 + e % 32] & 0xFF) >> (4 * hi)) & 0xF;
            assertEquals(0.5f * sc[sb] * q - 0.25f * mn[sb], y[e], 0f, "[" + e + "]");
        }
    }

    /** GgufWriter.addRawTensor stores blocks verbatim; the reader dequantises them. */
    @Test void rawBlocksRoundTripThroughTheWriter() throws Exception {
        byte[] blocks = new byte[2 * 210];
        new Random(5).nextBytes(blocks);
        for (int k = 0; k < 2; k++) { blocks[k * 210 + 208] = 0x00; blocks[k * 210 + 209] = 0x20; } // d = 2^-7
        Path p = dir.resolve("raw.gguf");
        new GgufWriter().putString("general.architecture", "test").addRawTensor("w", GgmlType.Q6_K, new int[] {2, 256}, blocks).write(p);
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(GgmlType.Q6_K, g.tensorInfo("w").type());
            assertEquals(-1L, g.bytes("w").mismatch(MemorySegment.ofArray(blocks)));
            float[] y = new float[256];
            GgmlDequant.block(GgmlType.Q6_K, blocks, 210, y, 0);
            float[] got = g.tensor("w", DType.F32).toFloatArray();
            assertArrayEquals(y, Arrays.copyOfRange(got, 256, 512), 0f);
        }
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().addRawTensor("w", GgmlType.Q6_K, new int[] {2, 256}, new byte[419]));
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().addRawTensor("w", GgmlType.Q6_K, new int[] {2, 128}, new byte[210]));
    }
}
