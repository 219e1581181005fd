package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files and arguments fail with a TokenizerException that names the problem, never anything worse. */
class TokenizerFileErrorsTest {

    private static byte[] storiesModel() throws IOException {
        return Files.readAllBytes(Fixtures.sharedModels().resolve("stories260K/tokenizer.model"));
    }

    @Test
    void truncatedAndMutatedModelsFailCleanly() throws IOException {
        byte[] good = storiesModel();
        Random rnd = new Random(11);
        int loaded = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] b;
            if (trial % 3 == 0) {
                b = Arrays.copyOf(good, rnd.nextInt(good.length));
            } else {
                b = good.clone();
                for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            try {
                SentencePieceTokenizer t = SentencePieceTokenizer.fromModelBytes(b, "mutated.model");
                t.decode(t.encode("Once upon a time, 日本 🦙"));
                loaded++;
            } catch (TokenizerException expected) {
                assertTrue(expected.getMessage().startsWith("mutated.model: "), expected.getMessage());
            }
        }
        assertTrue(loaded > 0 && loaded < 3000, "some mutations are harmless (scores), most are not: " + loaded);
    }

    @Test
    void lyingLengthDoesNotAllocate() {
        // field 1, wire type 2, length 2^31-ish: must be refused before any allocation
        byte[] b = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 1, 2, 3};
        TokenizerException e = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromModelBytes(b, "x.model"));
        assertTrue(e.getMessage().contains("length"), e.getMessage());
    }

    @Test
    void wrongKindsOfFileAreNamed(@TempDir Path dir) throws IOException {
        TokenizerException json = assertThrows(TokenizerException.class,
                () -> SentencePieceTokenizer.fromModelBytes("{\"model\":{}}".getBytes(), "t.model"));
        assertTrue(json.getMessage().contains("fromHuggingFaceJson"), json.getMessage());
        TokenizerException missing = assertThrows(TokenizerException.class,
                () -> SentencePieceTokenizer.fromModelFile(dir.resolve("nope.model")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
        Path bad = dir.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
        TokenizerException wp = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromHuggingFaceJson(bad));
        assertTrue(wp.getMessage().contains("WordPiece"), wp.getMessage());
        Files.writeString(bad, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a c\"]}}");
        TokenizerException merge = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromHuggingFaceJson(bad));
        assertTrue(merge.getMessage().contains("merge #0"), merge.getMessage());
        Files.writeString(bad, "{\"model\": ");
        assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromHuggingFaceJson(bad));
    }

    @Test
    void badIdsAndGgufDataAreRejected() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        TokenizerException e = assertThrows(TokenizerException.class, () -> tok.decode(new int[] {15043, 32000}));
        assertTrue(e.getMessage().contains("32000") && e.getMessage().contains("0..31999"), e.getMessage());
        assertThrows(TokenizerException.class, () -> tok.idToPiece(-1));
        TokenizerException gpt2 = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromGguf(
                new GgufTokenizerData("gpt2", List.of("a"), null, null, null, null, null, null, null, null, null, null,
                        null, "m.gguf")));
        assertTrue(gpt2.getMessage().contains("gpt2"), gpt2.getMessage());
        TokenizerException len = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromGguf(
                GgufTokenizerData.llama(List.of("<unk>", "<s>", "</s>"), new float[2], new int[] {2, 3, 3}, 1, 2, 0, "m.gguf")));
        assertTrue(len.getMessage().contains("scores has 2 entries, expected 3"), len.getMessage());
        TokenizerException type = assertThrows(TokenizerException.class, () -> SentencePieceTokenizer.fromGguf(
                GgufTokenizerData.llama(List.of("<unk>", "<s>", "</s>"), new float[3], new int[] {2, 3, 9}, 1, 2, 0, "m.gguf")));
        assertTrue(type.getMessage().contains("token_type[2] = 9"), type.getMessage());
    }
}
