package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The protobuf parser against an independent file: llama2.c's tok512.bin (its own export of the same vocabulary:
 * int32 max_token_length, then per token float32 score, int32 length, bytes; ▁ written as a space and
 * {@code <s>}/{@code </s>} as "\n<s>\n"/"\n</s>\n").
 */
class Llama2cVocabTest {
    @Test
    void piecesAndScoresEqualTok512Bin() throws IOException {
        byte[] bin = Files.readAllBytes(Fixtures.sharedModels().resolve("stories260K/tok512.bin"));
        SentencePieceTokenizer tok = SentencePieceTokenizer.fromModelFile(Fixtures.sharedModels().resolve("stories260K/tokenizer.model"));
        ByteBuffer b = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
        b.getInt();
        for (int id = 0; id < 512; id++) {
            float score = b.getFloat();
            byte[] s = new byte[b.getInt()];
            b.get(s);
            String text = new String(s, StandardCharsets.UTF_8);
            String expected = tok.idToPiece(id).replace('\u2581', ' ');
            if (id == 1 || id == 2) {
                expected = "\n" + expected + "\n";
            }
            assertEquals(expected, text, "piece " + id);
            assertEquals(score, tok.score(id), 0f, "score " + id);
        }
        assertEquals(bin.length, b.position());
    }
}
