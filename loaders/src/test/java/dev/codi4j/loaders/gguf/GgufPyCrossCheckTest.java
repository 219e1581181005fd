package dev.codi4j.loaders.gguf;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our writer's output read by llama.cpp's own gguf-py reader. gguf-py is not shipped with codi4j:
 * this runs only when the environment variable GGUF_PY names a folder holding its {@code gguf}
 * package (e.g. a llama.cpp checkout's gguf-py/), and is skipped otherwise.
 */
class GgufPyCrossCheckTest {
    @TempDir Path dir;

    @Test void ggufPyReadsOurFile() throws Exception {
        String ggufPy = System.getenv("GGUF_PY");
        Assumptions.assumeTrue(ggufPy != null && Files.isDirectory(Path.of(ggufPy, "gguf")), "set GGUF_PY to llama.cpp's gguf-py folder to run");
        Path script = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && script == null; d = d.getParent())
            if (Files.exists(d.resolve("tools/fixtures/gguf_reference.py"))) script = d.resolve("tools/fixtures/gguf_reference.py");
        assertNotNull(script);
        Tensor a = GgufWriterTest.ramp(DType.F32, 3, 5), b = GgufWriterTest.ramp(DType.F16, 2, 64), q8 = GgufWriterTest.ramp(DType.Q8_0, 2, 64),
                q4 = GgufWriterTest.ramp(DType.Q4_0, 3, 32);
        Path p = dir.resolve("ours.gguf");
        new GgufWriter().putString("general.architecture", "llama").putU32("llama.block_count", 2).putF32("llama.rope.freq_base", 10000f)
                .putStrings("tokenizer.ggml.tokens", List.of("<unk>", "▁a")).putF32s("tokenizer.ggml.scores", new float[] {0, -1})
                .addTensor("a", a).addTensor("b", b).addTensor("q8", q8).addTensor("q4", q4).write(p);
        Process pr = new ProcessBuilder("/usr/bin/python3", script.toString(), "read", p.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), out);
        JsonObject root = JsonParser.parseString(out).getAsJsonObject();
        JsonObject md = root.getAsJsonObject("metadata");
        assertEquals("llama", md.getAsJsonObject("general.architecture").get("value").getAsString());
        assertEquals(2, md.getAsJsonObject("llama.block_count").get("value").getAsInt());
        assertEquals("UINT32", md.getAsJsonObject("llama.block_count").get("type").getAsString());
        assertEquals("▁a", md.getAsJsonObject("tokenizer.ggml.tokens").getAsJsonArray("value").get(1).getAsString());
        JsonObject ts = root.getAsJsonObject("tensors");
        for (var e : List.of(java.util.Map.entry("a", a), java.util.Map.entry("b", b), java.util.Map.entry("q8", q8), java.util.Map.entry("q4", q4))) {
            JsonObject t = ts.getAsJsonObject(e.getKey());
            int[] shape = e.getValue().shape();
            assertEquals(shape[shape.length - 1], t.getAsJsonArray("ne").get(0).getAsInt(), "ne[0] is the innermost dimension");
            float[] want = e.getValue().toFloatArray();
            var vals = t.getAsJsonArray("values");
            assertEquals(want.length, vals.size());
            for (int i = 0; i < want.length; i++) assertEquals(want[i], vals.get(i).getAsFloat(), 1e-6f * Math.max(1, Math.abs(want[i])), e.getKey() + "[" + i + "]");
        }
    }

    /** A converted Llama (Q8_0) read by gguf-py: llama.* keys and the permuted q rows as llama.cpp expects them. */
    @Test void ggufPyReadsOurLlamaConversion() throws Exception {
        String ggufPy = System.getenv("GGUF_PY");
        Assumptions.assumeTrue(ggufPy != null && Files.isDirectory(Path.of(ggufPy, "gguf")), "set GGUF_PY to llama.cpp's gguf-py folder to run");
        Path script = null;
        for (Path d = Path.of("").toAbsolutePath(); d != null && script == null; d = d.getParent())
            if (Files.exists(d.resolve("tools/fixtures/gguf_reference.py"))) script = d.resolve("tools/fixtures/gguf_reference.py");
        Path out = dir.resolve("tiny-q8.gguf");
        try (var hf = dev.codi4j.loaders.weights.Weights.open(LlamaGgufConverterTest.res("tiny_llama.safetensors"))) {
            LlamaGgufConverter.convert(hf, LlamaGgufConverterTest.CFG, null, DType.Q8_0, "tiny", out);
        }
        Process pr = new ProcessBuilder("/usr/bin/python3", script.toString(), "read", out.toString()).redirectErrorStream(true).start();
        String text = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), text);
        JsonObject root = JsonParser.parseString(text).getAsJsonObject();
        JsonObject md = root.getAsJsonObject("metadata");
        assertEquals(2, md.getAsJsonObject("llama.attention.head_count_kv").get("value").getAsInt());
        assertEquals(7, md.getAsJsonObject("general.file_type").get("value").getAsInt());
        JsonObject q = root.getAsJsonObject("tensors").getAsJsonObject("blk.0.attn_q.weight");
        assertEquals("Q8_0", q.get("type").getAsString());
        try (var exp = dev.codi4j.loaders.safetensors.SafetensorsFile.open(LlamaGgufConverterTest.res("tiny_llama.expected.safetensors"))) {
            float[] want = exp.tensor("blk.0.attn_q.weight").toFloatArray();
            var vals = q.getAsJsonArray("values");
            for (int i = 0; i < want.length; i++) assertEquals(want[i], vals.get(i).getAsFloat(), 0.03f, "q[" + i + "] (Q8_0 step)");
        }
    }
}
