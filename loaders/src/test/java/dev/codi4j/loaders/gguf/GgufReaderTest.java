package dev.codi4j.loaders.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads a GGUF file made by an independent Python writer (tools/fixtures/gguf_reference.py). */
class GgufReaderTest {
    static Path fixture() throws Exception { return Path.of(GgufReaderTest.class.getResource("/gguf/reference.gguf").toURI()); }

    /** The fixture's value formula. */
    static float v(int i) { return (((i * 7) % 23) - 11) / 8f; }

    @Test void metadataOfEveryType() throws Exception {
        try (GgufFile g = GgufFile.open(fixture())) {
            assertEquals(3, g.version());
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataOffset() % 64);
            assertEquals("llama", g.architecture());
            assertEquals(200, g.getInt("t.u8"));
            assertEquals(-100, g.getInt("t.i8"));
            assertEquals(60000, g.getInt("t.u16"));
            assertEquals(-30000, g.getInt("t.i16"));
            assertEquals(4_000_000_000L, g.getLong("t.u32"));
            assertEquals(-2_000_000_000, g.getInt("t.i32"));
            assertEquals(1.5f, g.getFloat("t.f32"));
            assertTrue(g.getBoolean("t.bool"));
            assertEquals("9223372036854775813", g.get("t.u64").toString());
            assertThrows(WeightsException.class, () -> g.getLong("t.u64"), "2^63+5 does not fit a long");
            assertEquals(-(1L << 40), g.getLong("t.i64"));
            assertEquals(2.25, g.get("t.f64").asDouble());
            assertEquals("héllo ✓", g.getString("t.str"));
            assertEquals(List.of("<unk>", "<s>", "</s>", "▁hello", "<0x0A>"), g.getStringList("tokenizer.ggml.tokens"));
            assertArrayEquals(new float[] {0, 0, 0, -1.5f, -2.5f}, g.getFloatArray("tokenizer.ggml.scores"));
            assertArrayEquals(new int[] {2, 3, 3, 1, 6}, g.getIntArray("tokenizer.ggml.token_type"));
            List<GgufValue> nested = g.get("t.nested").asArrayList();
            assertArrayEquals(new int[] {1, 2}, nested.get(0).asIntArray());
            assertArrayEquals(new int[] {3}, nested.get(1).asIntArray());
            assertEquals(0, g.getFloatArray("t.empty").length);
            WeightsException wrongType = assertThrows(WeightsException.class, () -> g.getString("t.u8"));
            assertTrue(wrongType.getMessage().contains("'t.u8'") && wrongType.getMessage().contains("UINT8"), wrongType.getMessage());
            WeightsException missing = assertThrows(WeightsException.class, () -> g.getInt("llama.context_length"));
            assertTrue(missing.getMessage().contains("llama.context_length") && missing.getMessage().contains(fixture().toString()));
        }
    }

    @Test void tensorsInPyTorchOrderWithoutCopies() throws Exception {
        try (GgufFile g = GgufFile.open(fixture())) {
            assertArrayEquals(new long[] {4, 3}, g.tensorInfo("f32").ne());
            Tensor f32 = g.tensor("f32");
            assertArrayEquals(new int[] {3, 4}, f32.shape());
            assertTrue(f32.segment().isMapped());
            expect(f32.toFloatArray(), 0f);
            assertArrayEquals(new int[] {2, 3, 32}, g.tensor("f16").shape());
            expect(g.tensor("f16").toFloatArray(), 0f);
            expect(g.tensor("bf").toFloatArray(), 0f);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4}, g.tensor("ids").toIntArray());

            Tensor q8 = g.tensor("q8");
            assertEquals(DType.Q8_0, q8.dtype());
            assertArrayEquals(new int[] {2, 64}, q8.shape());
            sameBytesAsOurQuantiser(q8, 128, true);
            Tensor q4 = g.tensor("q4");
            assertEquals(DType.Q4_0, q4.dtype());
            sameBytesAsOurQuantiser(q4, 96, false);
            // dequantised values within half a step (Q8_0: amax/254) or a step (Q4_0 clamps: amax/8)
            float[] d8 = q8.toFloatArray(), d4 = q4.toFloatArray();
            for (int i = 0; i < d8.length; i++) assertEquals(v(i), d8[i], 1.375 / 254 + 1e-6, "q8[" + i + "]");
            for (int i = 0; i < d4.length; i++) assertEquals(v(i), d4[i], 1.375 / 8 + 1e-6, "q4[" + i + "]");

            // Q4_K (random bytes here) is dequantised at load: F16 as stored (values checked in GgufDequantTest)
            assertEquals(DType.F16, g.info("k4").dtype());
            assertEquals("Q4_K", g.info("k4").fileDType());
            Tensor k4 = g.tensor("k4");
            assertEquals(DType.F16, k4.dtype());
            assertArrayEquals(new int[] {1, 256}, k4.shape());
            assertEquals(144, g.bytes("k4").byteSize());
        }
        try (Weights w = Weights.open(fixture())) {
            assertEquals(List.of("bf", "f16", "f32", "ids", "k4", "q4", "q8"), w.keys());
            Tensor asF32 = w.get("q8", DType.F32, 2, 64);
            assertEquals(DType.F32, asF32.dtype());
            assertEquals("llama", w.metadata().get("general.architecture"));
        }
    }

    static void expect(float[] got, float tol) {
        for (int i = 0; i < got.length; i++) assertEquals(v(i), got[i], tol, "[" + i + "]");
    }

    /** The Python writer's quantisation and ours (tensor.Numerics) are independent; they must agree to the byte. */
    static void sameBytesAsOurQuantiser(Tensor q, int n, boolean q8) {
        float[] src = new float[n];
        for (int i = 0; i < n; i++) src[i] = v(i);
        int bb = q8 ? 34 : 18;
        MemorySegment want = Arena.ofAuto().allocate((long) n / 32 * bb);
        for (int b = 0; b < n / 32; b++) {
            if (q8) Numerics.quantQ8_0(src, b * 32, want, (long) b * bb);
            else Numerics.quantQ4_0(src, b * 32, want, (long) b * bb);
        }
        assertEquals(-1, want.mismatch(q.data()), "quantised bytes differ");
    }

    @Test void rejectsNonGguf() throws Exception {
        Path p = java.nio.file.Files.createTempFile("x", ".gguf");
        try {
            java.nio.file.Files.write(p, new byte[] {'G', 'G', 'U', 'F', 1, 0, 0, 0});
            assertTrue(assertThrows(FormatException.class, () -> GgufFile.open(p)).getMessage().contains("version 1"));
            java.nio.file.Files.write(p, new byte[] {'G', 'G', 'U', 'F', 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0});
            assertTrue(assertThrows(FormatException.class, () -> GgufFile.open(p)).getMessage().contains("big-endian"));
            java.nio.file.Files.write(p, new byte[] {'G', 'G', 'M', 'L', 3, 0, 0, 0});
            assertTrue(assertThrows(FormatException.class, () -> GgufFile.open(p)).getMessage().contains("magic"));
        } finally {
            java.nio.file.Files.delete(p);
        }
    }
}
