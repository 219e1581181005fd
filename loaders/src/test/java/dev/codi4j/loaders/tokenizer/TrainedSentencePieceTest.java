package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A tiny BPE model trained by Google's SentencePiece with user-defined symbols ({@code <image>},
 * {@code </image>}: unbreakable, always recognised), a control symbol ({@code <ctl>}: never from text), a pad
 * piece and remove_extra_whitespaces; ids and decodes from sentencepiece 0.1.97
 * (tools/fixtures/tokenizer_spm_trained_fixture.py).
 */
class TrainedSentencePieceTest {
    @Test
    void userDefinedAndControlSymbolsMatchSentencePiece() {
        JsonObject expected = Fixtures.json("spm_tiny/expected.json");
        SentencePieceTokenizer tok = SentencePieceTokenizer.fromModelBytes(Fixtures.resource("spm_tiny/tokenizer.model"), "spm_tiny");
        JsonObject info = expected.getAsJsonObject("info");
        assertEquals(info.get("vocab_size").getAsInt(), tok.vocabSize());
        assertEquals(info.get("bos").getAsInt(), tok.bosId());
        assertEquals(info.get("eos").getAsInt(), tok.eosId());
        assertEquals(info.get("pad").getAsInt(), tok.padId());
        assertEquals(info.get("unk").getAsInt(), tok.unkId());
        for (Map.Entry<String, JsonElement> e : info.getAsJsonObject("types").entrySet()) {
            PieceType t = tok.pieceType(Integer.parseInt(e.getKey()));
            String code = switch (t) {
                case UNKNOWN -> "U";
                case CONTROL -> "C";
                case BYTE -> "B";
                default -> "N";
            };
            assertEquals(e.getValue().getAsString(), code, "type of piece " + e.getKey());
        }
        assertEquals(PieceType.USER_DEFINED, tok.pieceType(tok.pieceToId("<image>")));
        for (JsonElement e : expected.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            int[] ids = Fixtures.ints(c.get("ids"));
            assertArrayEquals(ids, tok.encode(text), () -> "encode of '" + text + "'");
            assertEquals(c.get("decode").getAsString(), tok.decode(ids), () -> "decode of '" + text + "'");
        }
    }
}
