package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Karpathy's trained stories260K (a real model: GQA 8/4 heads, tied embeddings), with reference
 * outputs from llama2.c's run.c and an independent numpy forward (see its README). Skipped when the
 * shared models folder is absent.
 */
class Stories260KTest {

    static Path dir() {
        Path p = Fixture.stories();
        assumeTrue(p != null, "stories260K not found under -Dcodi4j.shared (" + System.getProperty("codi4j.shared") + "); skipping");
        return p;
    }

    @Test void logitsMatchTheNumpyReferenceWithin1e4() throws IOException {
        Path d = dir();
        try (Backend b = Backends.create("cpu"); Llama m = LlamaLoader.load(d, b); LlamaState st = m.newState(64);
             Weights ref = Weights.open(d.resolve("reference_logits.safetensors"))) {
            int[] ids = ref.get("input_ids").toIntArray();
            float[] got = m.forward(st, ids, Llama.Select.allLogits()).logits().toFloatArray();
            double diff = Fixture.maxAbsDiff(got, ref.get("logits").toFloatArray());
            double vsC = Fixture.maxAbsDiff(got, ref.get("logits_llama2c").toFloatArray());
            System.out.printf("stories260K logits: max-abs %.3g vs numpy float64, %.3g vs llama2.c%n", diff, vsC);
            assertTrue(diff < 1e-4, "max-abs diff " + diff);
            assertTrue(vsC < 1e-4, "max-abs diff to llama2.c " + vsC);
        }
    }

    @Test void threeGreedyGenerationsOf60TokensAreIdentical() throws IOException {
        Path d = dir();
        JsonObject root = JsonParser.parseString(Files.readString(d.resolve("reference_generations.json"))).getAsJsonObject();
        JsonArray gens = root.getAsJsonArray("generations");
        assertTrue(gens.size() == 3);
        try (Backend b = Backends.create("cpu"); Llama m = LlamaLoader.load(d, b); LlamaState st = m.newState(128)) {
            for (JsonElement g : gens) {
                JsonObject o = g.getAsJsonObject();
                int[] prompt = ints(o.getAsJsonArray("prompt_ids"));
                int[] want = ints(o.getAsJsonArray("all_ids"));
                st.reset();
                int[] seq = Arrays.copyOf(prompt, want.length);
                float[] logits = m.prefill(st, prompt);
                for (int i = prompt.length; i < want.length; i++) {
                    seq[i] = Sampling.argmax(logits);
                    if (i + 1 < want.length) logits = m.decode(st, seq[i]);
                }
                assertArrayEquals(want, seq, "greedy continuation of " + o.get("prompt"));
            }
        }
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }
}
