package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Streaming decode holds back partial UTF-8 and always agrees with batch decode. */
class StreamingDecoderTest {

    @Test
    void emojiArrivesWhenItsLastByteDoes() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        int[] ids = tok.encode("Hi 🦙!");
        // "▁Hi", "▁", <0xF0>, <0x9F>, <0xA6>, <0x99>, "!"
        assertEquals(7, ids.length);
        StreamingDecoder d = tok.newStreamingDecoder();
        assertEquals("Hi", d.next(ids[0]));
        assertEquals(" ", d.next(ids[1]));
        assertEquals("", d.next(ids[2]));
        assertEquals("", d.next(ids[3]));
        assertEquals("", d.next(ids[4]));
        assertEquals("🦙", d.next(ids[5]));
        assertEquals("!", d.next(ids[6]));
        assertEquals("", d.finish());
    }

    @Test
    void incompleteCharacterBecomesReplacementAtEndOfRun() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        int f0 = tok.pieceToId("<0xF0>");
        int x9f = tok.pieceToId("<0x9F>");
        StreamingDecoder d = tok.newStreamingDecoder();
        assertEquals("", d.next(f0));
        assertEquals("", d.next(x9f));
        assertEquals("\uFFFD\uFFFD", d.finish());
        d = tok.newStreamingDecoder();
        d.next(f0);
        assertEquals("\uFFFD Hello", d.next(tok.pieceToId("▁Hello")), "a text piece ends the byte run");
    }

    @Test
    void streamingEqualsBatchOnRandomIds() {
        SentencePieceTokenizer tok = Fixtures.llama2Model();
        Random rnd = new Random(42);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + rnd.nextInt(12);
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                // bias towards byte pieces (3..258) so that partial and malformed UTF-8 is common
                ids[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(tok.vocabSize()) : 3 + rnd.nextInt(256);
            }
            for (DecodeOptions o : new DecodeOptions[] {DecodeOptions.DEFAULT, DecodeOptions.CONTINUATION,
                    new DecodeOptions(false, true)}) {
                StreamingDecoder d = tok.newStreamingDecoder(o);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append(d.next(id));
                }
                sb.append(d.finish());
                assertEquals(tok.decode(ids, o), sb.toString());
            }
        }
    }

    @Test
    void utf8RulesMatchSentencePieceAndPython() {
        // SentencePiece: one U+FFFD per byte of a malformed sequence; Python "replace": per maximal subpart
        byte[] bad = {(byte) 0xE4, (byte) 0xB8, 'A', (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xF0, (byte) 0x9F,
                (byte) 0x98, (byte) 0x80, (byte) 0xC0, (byte) 0xAF};
        assertEquals("\uFFFD\uFFFDA\uFFFD\uFFFD\uFFFD😀\uFFFD\uFFFD", decode(bad, Utf8Accumulator.Mode.PER_BYTE));
        // expected strings: sentencepiece 0.1.97 decode of these byte pieces, and CPython 3.11
        // bytes(bad).decode("utf-8", "replace") (both run when this test was written)
        assertEquals("\uFFFDA\uFFFD\uFFFD\uFFFD😀\uFFFD\uFFFD", decode(bad, Utf8Accumulator.Mode.MAXIMAL_SUBPART));
    }

    private static String decode(byte[] b, Utf8Accumulator.Mode mode) {
        Utf8Accumulator a = new Utf8Accumulator(mode);
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            a.add(x & 0xFF, sb);
        }
        a.endRun(sb);
        return sb.toString();
    }
}
