package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The real trained 512-piece tokenizer of stories260K (shared/models/stories260K): ids against Google's
 * SentencePiece and Hugging Face tokenizers (fixture script), and llama2.c's own prompt ids and output text.
 */
class Stories260KTokenizerTest {
    private static final Path DIR = Fixtures.sharedModels().resolve("stories260K");
    private static final JsonObject EXPECTED = Fixtures.json("stories260K/expected.json");

    private static SentencePieceTokenizer model() {
        Path p = DIR.resolve("tokenizer.model");
        assertTrue(Files.isRegularFile(p), "shared model missing: " + p.toAbsolutePath()
                + " (tests read shared/models; run from the repository checkout next to shared/)");
        return SentencePieceTokenizer.fromModelFile(p);
    }

    @Test
    void modelMatchesSentencePieceAndJsonMatchesTokenizers() {
        SentencePieceTokenizer sp = model();
        assertEquals(512, sp.vocabSize());
        SentencePieceTokenizer hf = SentencePieceTokenizer.fromHuggingFaceJson(
                new String(Fixtures.resource("stories260K/tokenizer.json"), java.nio.charset.StandardCharsets.UTF_8),
                "stories260K/tokenizer.json");
        for (JsonElement e : EXPECTED.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            assertArrayEquals(Fixtures.ints(c.get("sp")), sp.encode(text), () -> "sp: " + text);
            assertEquals(c.get("sp_decode").getAsString(), sp.decode(Fixtures.ints(c.get("sp"))), () -> "sp decode: " + text);
            EncodeOptions parse = EncodeOptions.PLAIN.withParseSpecial(true);
            assertArrayEquals(Fixtures.ints(c.get("hf_metaspace")), hf.encode(text, parse), () -> "hf: " + text);
            assertArrayEquals(Fixtures.ints(c.get("hf_metaspace_bos")),
                    hf.encode(text, new EncodeOptions(hf.addsBosByDefault(), false, true)), () -> "hf+bos: " + text);
        }
    }

    @Test
    void llama2cPromptIdsAndGeneratedText() throws IOException {
        SentencePieceTokenizer tok = model();
        JsonObject ref = JsonParser.parseString(Files.readString(DIR.resolve("reference_generations.json"))).getAsJsonObject();
        int n = 0;
        for (JsonElement e : ref.getAsJsonArray("generations")) {
            JsonObject g = e.getAsJsonObject();
            assertArrayEquals(Fixtures.ints(g.get("prompt_ids")), tok.encode(g.get("prompt").getAsString(), true));
            int[] all = Fixtures.ints(g.get("all_ids"));
            String text = g.get("text").getAsString();
            assertEquals(text, tok.decode(all) + "\n", "run.c prints the decoded story and a newline");
            StreamingDecoder d = tok.newStreamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : all) {
                sb.append(d.next(id));
            }
            assertEquals(text, sb.append(d.finish()).append('\n').toString());
            n++;
        }
        assertEquals(3, n);
    }

    @Test
    void removeExtraWhitespacesCollapsesSpaces() {
        // the reconstructed model keeps SentencePiece's default remove_extra_whitespaces=true
        SentencePieceTokenizer tok = model();
        assertArrayEquals(tok.encode("two spaces"), tok.encode("  two   spaces  "));
    }
}
