package dev.codi4j.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.Sampling;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    static Backend backend;
    static Llama model;
    static int[] prompt, greedy;

    @BeforeAll static void setUp() throws IOException {
        backend = Backends.create("cpu");
        model = LlamaLoader.load(Fixture.dir(), backend);
        try (Weights e = Fixture.expected()) {
            prompt = Fixture.ints(e, "input_ids");
            greedy = Fixture.ints(e, "greedy_ids");
        }
    }

    @AfterAll static void tearDown() { model.close(); backend.close(); }

    /** Token id i renders as "<i>", so stop strings can be tested without a tokenizer. */
    static final class Tags implements Generator.TextStream {
        @Override public String next(int id) { return "<" + id + ">"; }
        @Override public String finish() { return ""; }
    }

    Generator.Result run(GenerationConfig cfg, List<String> streamed) {
        try (LlamaState st = model.newState(64)) {
            return new Generator(model).generate(st, new int[0], prompt, cfg, new Tags(), (id, t) -> streamed.add(t));
        }
    }

    @Test void greedyMatchesTheReferenceAndStreamsEveryToken() {
        List<String> streamed = new ArrayList<>();
        Generator.Result r = run(GenerationConfig.greedy(32), streamed);
        assertArrayEquals(Arrays.copyOfRange(greedy, prompt.length, greedy.length), r.tokens());
        assertEquals(Generator.StopReason.MAX_TOKENS, r.reason());
        assertEquals(32, streamed.size());
        assertEquals(String.join("", streamed), r.text());
        assertEquals(31, r.fedTokens(), "the last token is sampled, not fed");
    }

    @Test void eosStopsAndIsNotReturned() {
        int eos = greedy[prompt.length + 5];
        int firstAt = -1;
        for (int i = prompt.length; i < greedy.length; i++) if (greedy[i] == eos) { firstAt = i - prompt.length; break; }
        Generator.Result r = run(GenerationConfig.greedy(32, eos), new ArrayList<>());
        assertEquals(Generator.StopReason.EOS, r.reason());
        assertArrayEquals(Arrays.copyOfRange(greedy, prompt.length, prompt.length + firstAt), r.tokens());
    }

    @Test void stopStringsEndGenerationAndAreNeverStreamed() {
        String stop = "<" + greedy[prompt.length + 3] + "><" + greedy[prompt.length + 4] + ">";
        List<String> streamed = new ArrayList<>();
        Generator.Result r = run(GenerationConfig.greedy(32).withStopStrings(List.of(stop)), streamed);
        assertEquals(Generator.StopReason.STOP_STRING, r.reason());
        String all = String.join("", streamed);
        assertFalse(all.contains(stop));
        assertEquals(all, r.text());
        assertTrue(r.tokens().length <= 5);
        StringBuilder before = new StringBuilder();
        for (int i = 0; i < 3; i++) before.append('<').append(greedy[prompt.length + i]).append('>');
        assertTrue(r.text().startsWith(before.toString()) || r.tokens().length < 5, r.text());
    }

    @Test void stopFilterHoldsBackPartialMatches() {
        Generator.StopFilter f = new Generator.StopFilter(List.of("END", "</s>"));
        assertEquals("hello ", f.add("hello E"));
        assertEquals("Ex", f.add("x"));
        assertEquals("", f.add("</"));
        assertEquals("", f.add("s>tail"));
        assertTrue(f.stopped());
        assertEquals("hello Ex", f.text());
        Generator.StopFilter g = new Generator.StopFilter(List.of("END"));
        assertEquals("", g.add("EN"));
        assertEquals("EN", g.finish(""));
    }

    @Test void samplingIsReproducibleForASeedAndVariesAcrossSeeds() {
        GenerationConfig cfg = new GenerationConfig(16, 1.5f, 40, 0.95f, 1.1f, 42, List.of(), Set.of());
        int[] a = run(cfg, new ArrayList<>()).tokens();
        int[] b = run(cfg, new ArrayList<>()).tokens();
        assertArrayEquals(a, b);
        int differ = 0;
        for (long s = 1; s <= 4; s++) if (!Arrays.equals(a, run(cfg.withSeed(s), new ArrayList<>()).tokens())) differ++;
        assertTrue(differ >= 3, "different seeds should mostly give different samples, got " + differ + " of 4");
        assertNotEquals(Arrays.toString(Arrays.copyOfRange(greedy, prompt.length, prompt.length + 16)), Arrays.toString(a));
    }

    @Test void processorsFollowHuggingFaceOrder() {
        // penalty 2 on token 0 (positive logit halves) and token 1 (negative logit doubles); then top-k 2 keeps {0, 2}
        float[] logits = {4f, -1f, 3f, 1f};
        GenerationConfig cfg = new GenerationConfig(1, 1f, 2, 1f, 2f, 7, List.of(), Set.of());
        float[] l = logits.clone();
        int tok = Generator.pick(l, new int[] {0, 1}, 2, cfg, new Sampling.Rng(7));
        assertEquals(2f, l[0]);
        assertEquals(Float.NEGATIVE_INFINITY, l[1]);
        assertEquals(3f, l[2]);
        assertEquals(Float.NEGATIVE_INFINITY, l[3]);
        assertTrue(tok == 0 || tok == 2);
        // greedy takes the argmax after the penalty: token 0 (4 → 2) falls below token 2 (3)
        GenerationConfig greedyPenalty = new GenerationConfig(1, 0f, 0, 1f, 2f, 0, List.of(), Set.of());
        assertEquals(2, Generator.pick(logits.clone(), new int[] {0}, 1, greedyPenalty, new Sampling.Rng(1)));
        assertEquals(0, Generator.pick(logits.clone(), new int[] {0}, 1, GenerationConfig.greedy(1), new Sampling.Rng(1)));
    }
}
