package dev.codi4j.loaders.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir Path dir;

    static Tensor random(DType dt, long seed, int... shape) {
        Random r = new Random(seed);
        Tensor t = Tensor.allocate(dt, shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = switch (dt) {
            case BOOL -> r.nextInt(2);
            case U8 -> r.nextInt(256);
            case I8 -> r.nextInt(256) - 128;
            case I32, I64 -> r.nextInt(20001) - 10000;
            default -> (float) r.nextGaussian();
        };
        for (int i = 0; i < v.length; i++) dev.codi4j.tensor.Elements.set(t, i, v[i]);
        return t;
    }

    static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.embed.weight", random(DType.F16, 1, 5, 3));
        m.put("model.norm.weight", random(DType.F32, 2, 3));
        m.put("model.bf", random(DType.BF16, 3, 2, 2, 3));
        m.put("ids", random(DType.I64, 4, 4));
        m.put("i32", random(DType.I32, 5, 3));
        m.put("i8", random(DType.I8, 6, 7));
        m.put("u8", random(DType.U8, 7, 3));
        m.put("mask", random(DType.BOOL, 8, 5));
        m.put("scalar", Tensor.scalar(3.5f));
        m.put("transposed", random(DType.F32, 9, 3, 4).transpose(0, 1)); // a strided view
        return m;
    }

    @Test void roundTripsEveryDTypeAndLayout() throws Exception {
        Map<String, Tensor> m = sample();
        Path p = dir.resolve("out.safetensors");
        SafetensorsWriter.write(p, m, Map.of("format", "pt"));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(m.keySet(), new java.util.HashSet<>(f.names()));
            for (var e : m.entrySet()) {
                Tensor t = f.tensor(e.getKey());
                assertEquals(e.getValue().dtype(), t.dtype(), e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                assertArrayEquals(e.getValue().toFloatArray(), t.toFloatArray(), 0f, e.getKey());
                // aligned to the element size, as safetensors' own writer guarantees
                assertEquals(0, t.segment().address() % t.dtype().blockBytes(), e.getKey()); // the mapping itself is page-aligned
            }
        }
        assertEquals(0, headerLength(p) % 8, "header padded to 8 bytes");
        try (var files = Files.list(dir)) { assertEquals(1, files.count(), "no temporary file left behind"); }
    }

    static long headerLength(Path p) throws IOException {
        byte[] b = new byte[8];
        try (var in = Files.newInputStream(p)) { in.readNBytes(b, 0, 8); }
        return java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test void refusesQuantisedTensorsAndLeavesTheOldFile() throws Exception {
        Path p = dir.resolve("keep.safetensors");
        SafetensorsWriter.write(p, Map.of("a", Tensor.scalar(1f)));
        byte[] before = Files.readAllBytes(p);
        Tensor q = Tensor.zeros(DType.Q8_0, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(p, Map.of("q", q)));
        assertTrue(e.getMessage().contains("'q'") && e.getMessage().contains("Q8_0"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    /** Our writer's output, read by an independent Python reader (numpy); skipped where python3 + numpy are absent. */
    @Test void pythonReadsOurFile() throws Exception {
        Path repoScript = findScript();
        Assumptions.assumeTrue(repoScript != null, "tools/fixtures/safetensors_reference.py not found from " + Path.of("").toAbsolutePath());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 absent");
        Map<String, Tensor> m = sample();
        Path p = dir.resolve("py.safetensors");
        SafetensorsWriter.write(p, m, Map.of("who", "codi4j"));
        Process pr = new ProcessBuilder("/usr/bin/python3", repoScript.toString(), "read", p.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        Assumptions.assumeFalse(out.contains("No module named 'numpy'"), "numpy absent");
        assertEquals(0, pr.exitValue(), out);
        JsonObject root = JsonParser.parseString(out).getAsJsonObject();
        assertEquals("codi4j", root.getAsJsonObject("__metadata__").get("who").getAsString());
        JsonObject ts = root.getAsJsonObject("tensors");
        assertEquals(m.size(), ts.size());
        for (var e : m.entrySet()) {
            JsonObject t = ts.getAsJsonObject(e.getKey());
            assertEquals(SafetensorsDType.nameOf(e.getValue().dtype()), t.get("dtype").getAsString());
            float[] want = e.getValue().toFloatArray();
            var vals = t.getAsJsonArray("values");
            assertEquals(want.length, vals.size(), e.getKey());
            for (int i = 0; i < want.length; i++) assertEquals(want[i], vals.get(i).getAsFloat(), 0f, e.getKey() + "[" + i + "]");
        }
    }

    static Path findScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools/fixtures/safetensors_reference.py");
            if (Files.exists(s)) return s;
        }
        return null;
    }

    @Test void halfPrecisionBitsSurviveExactly() throws Exception {
        Tensor t = Tensor.allocate(DType.F16, 4);
        short[] bits = {0x7C00, (short) 0xFC00, 0x0001, (short) 0x7E01}; // +inf, -inf, subnormal, NaN payload
        for (int i = 0; i < 4; i++) t.segment().set(Numerics.I16, 2L * i, bits[i]);
        Path p = dir.resolve("h.safetensors");
        SafetensorsWriter.write(p, Map.of("h", t));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (int i = 0; i < 4; i++) assertEquals(bits[i], f.tensor("h").segment().get(Numerics.I16, 2L * i));
        }
    }
}
