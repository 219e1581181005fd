package dev.codi4j.loaders.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CLIP on random text: never throws, rows are well formed, streaming equals batch, long input is fast. */
class ClipPropertyTest {

    private static ClipTokenizer tok(ClipTokenizer.Flavor f) {
        if (f == ClipTokenizer.Flavor.OPEN_CLIP) {
            return ClipTokenizer.fromBpeBytes(Fixtures.resource("clip/bpe_first3000.txt.gz"), "bpe_first3000");
        }
        return ClipTokenizer.fromHuggingFace(new String(Fixtures.resource("clip/vocab.json"), StandardCharsets.UTF_8),
                new String(Fixtures.resource("clip/merges.txt"), StandardCharsets.UTF_8), "!", f, "subset");
    }

    @Test
    void randomTextGivesWellFormedRows() {
        Random rnd = new Random(5);
        for (ClipTokenizer.Flavor f : ClipTokenizer.Flavor.values()) {
            ClipTokenizer t = tok(f);
            for (int i = 0; i < 300; i++) {
                String s = SentencePiecePropertyTest.randomText(rnd, rnd.nextInt(120)) + (i % 7 == 0 ? "&amp;\uD800" : "");
                int[] row = t.tokenize(List.of(s), 77, true)[0];
                assertEquals(77, row.length);
                assertEquals(t.bosId(), row[0]);
                int eot = -1;
                for (int k = 1; k < 77; k++) {
                    if (row[k] == t.eosId()) {
                        eot = k;
                        break;
                    }
                }
                assertTrue(eot > 0, "row has eot");
                for (int k = eot + 1; k < 77; k++) {
                    assertEquals(t.padId(), row[k]);
                }
                int[] ids = t.encode(s);
                StreamingDecoder d = t.newStreamingDecoder();
                StringBuilder sb = new StringBuilder();
                for (int id : ids) {
                    sb.append(d.next(id));
                }
                assertEquals(t.decode(ids), sb.append(d.finish()).toString());
            }
        }
    }

    @Test
    void longTextIsLinearithmic() {
        ClipTokenizer t = tok(ClipTokenizer.Flavor.OPEN_CLIP);
        String word = "a".repeat(100_000); // one 100k-letter word: GPT-2's list-rebuilding loop would be quadratic
        long t0 = System.nanoTime();
        int[] ids = t.encode(word);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("CLIP encode of a 100k-letter word: " + ms + " ms");
        assertEquals(word + " ", t.decode(ids));
        assertTrue(ms < 5000, "100k-letter word took " + ms + " ms");
    }
}
