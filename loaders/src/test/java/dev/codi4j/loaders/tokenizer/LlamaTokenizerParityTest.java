package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Llama-2's real 32000-piece vocabulary against Google's SentencePiece (python3-sentencepiece 0.1.97) and
 * Hugging Face tokenizers 0.23 ids, made by tools/fixtures/tokenizer_llama_fixtures.py. Exact id equality.
 */
class LlamaTokenizerParityTest {

    private static final JsonObject EXPECTED = Fixtures.json("llama2/expected.json");
    private static final JsonObject RANDOM = Fixtures.json("llama2/expected_random.json.gz");

    /** The chosen strings, then 400 random mixed-script ones. */
    private static List<JsonObject> cases() {
        List<JsonObject> all = new ArrayList<>();
        for (JsonObject o : new JsonObject[] {EXPECTED, RANDOM}) {
            for (JsonElement e : o.getAsJsonArray("cases")) {
                all.add(e.getAsJsonObject());
            }
        }
        return all;
    }

    private static String show(String s) {
        return s.length() > 60 ? s.substring(0, 60).replace("\n", "\\n") + "...(" + s.length() + " chars)" : s.replace("\n", "\\n");
    }

    @Test
    void modelFileMatchesSentencePiece() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        assertEquals(32000, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals(0, tok.unkId());
        assertEquals(-1, tok.padId());
        int n = 0;
        for (JsonObject c : cases()) {
            String text = c.get("text").getAsString();
            int[] expected = Fixtures.ints(c.get("sp"));
            assertArrayEquals(expected, tok.encode(text), () -> "encode of " + show(text));
            assertEquals(c.get("sp_decode").getAsString(), tok.decode(expected), () -> "decode of " + show(text));
            n++;
        }
        assertEquals(450, n, "all cases ran");
    }

    @Test
    void decodeMatchesSentencePieceOnModelOutputs() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        for (JsonElement e : EXPECTED.getAsJsonArray("decode_cases")) {
            JsonObject c = e.getAsJsonObject();
            int[] ids = Fixtures.ints(c.get("ids"));
            assertEquals(c.get("sp_decode").getAsString(), tok.decode(ids), () -> "decode of " + Arrays.toString(ids));
            for (int i = 0; i < ids.length; i++) {
                assertEquals(c.getAsJsonArray("sp_pieces").get(i).getAsString(), tok.idToPiece(ids[i]));
            }
        }
    }

    @Test
    void bosIsPrependedOnRequest() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        assertArrayEquals(new int[] {1, 15043, 3186}, tok.encode("Hello world", true));
        assertArrayEquals(new int[] {1, 15043, 3186, 2}, tok.encode("Hello world", new EncodeOptions(true, true, false)));
        assertArrayEquals(new int[] {1}, tok.encode("", true));
    }

    @Test
    void ggufMetadataPathMatchesSentencePiece() {
        SentencePieceTokenizer model = Fixtures.llama2Model();
        List<String> tokens = new ArrayList<>();
        float[] scores = new float[model.vocabSize()];
        int[] types = new int[model.vocabSize()];
        for (int i = 0; i < model.vocabSize(); i++) {
            tokens.add(model.idToPiece(i));
            scores[i] = model.score(i);
            types[i] = model.pieceType(i).code();
        }
        SentencePieceTokenizer tok = SentencePieceTokenizer.fromGguf(GgufTokenizerData.llama(tokens, scores, types, 1, 2, 0, "test.gguf"));
        assertTrue(tok.addsBosByDefault());
        for (JsonObject c : cases()) {
            String text = c.get("text").getAsString();
            int[] expected = Fixtures.ints(c.get("sp"));
            assertArrayEquals(expected, tok.encode(text), () -> "encode of " + show(text));
            assertEquals(c.get("sp_decode").getAsString(), tok.decode(expected));
        }
    }

    @Test
    void tokenizerJsonMergesAreMetasOwn() {
        List<String> merges = Fixtures.llama2Merges(Fixtures.llama2Model());
        assertEquals(EXPECTED.get("merges_count").getAsInt(), merges.size());
        assertEquals(EXPECTED.get("merges_sha256").getAsString(), Fixtures.sha256(String.join("\n", merges)));
    }

    @Test
    void tokenizerJsonMatchesHuggingFaceTokenizers() {
        SentencePieceTokenizer legacy = Fixtures.llama2Json();
        SentencePieceTokenizer meta = SentencePieceTokenizer.fromHuggingFaceJson(Fixtures.llama2TokenizerJson(true), "llama2 tokenizer.json (Metaspace)");
        assertEquals(32000, legacy.vocabSize());
        assertTrue(legacy.addsBosByDefault(), "TemplateProcessing puts <s> first");
        assertEquals(1, legacy.bosId());
        assertEquals(2, legacy.eosId());
        for (JsonObject c : cases()) {
            String text = c.get("text").getAsString();
            // tokenizers always splits added special tokens out of the text: our parseSpecial
            EncodeOptions hf = EncodeOptions.PLAIN.withParseSpecial(true);
            assertArrayEquals(Fixtures.ints(c.get("hf_legacy")), legacy.encode(text, hf), () -> "legacy json: " + show(text));
            assertArrayEquals(Fixtures.ints(c.get("hf_metaspace")), meta.encode(text, hf), () -> "metaspace json: " + show(text));
            // without parseSpecial the legacy layout is SentencePiece, special-token strings included
            assertArrayEquals(Fixtures.ints(c.get("sp")), legacy.encode(text), () -> "legacy json, plain: " + show(text));
            assertEquals(c.get("sp_decode").getAsString(), legacy.decode(Fixtures.ints(c.get("sp"))));
        }
    }

    @Test
    void parseSpecialSplitsControlTokensLikeLlamaCpp() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        // the same ids Hugging Face gives for the legacy tokenizer.json (checked above): "▁b" after <s>
        assertArrayEquals(new int[] {263, 1, 289, 2, 274}, tok.encode("a<s>b</s>c", EncodeOptions.PLAIN.withParseSpecial(true)));
        // and plain text by default: "<s>" is "<", "s", ">"
        assertArrayEquals(new int[] {529, 29879, 29958}, tok.encode("<s>"));
        assertTrue(tok.isSpecial(1) && tok.isSpecial(2) && tok.isSpecial(0) && !tok.isSpecial(15043));
        assertEquals(List.of("<unk>", "<s>", "</s>"), List.copyOf(tok.specialTokens().keySet()));
    }

    @Test
    void decodeCanShowSpecialTokens() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        assertEquals("<s> Hello world</s>", tok.decode(new int[] {1, 15043, 3186, 2}, new DecodeOptions(false, true)));
        assertEquals(" Hello world", tok.decode(new int[] {15043, 3186}, DecodeOptions.CONTINUATION));
    }
}
