package dev.codi4j.models.codi2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.SentencePieceTokenizer;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The hard-coded ids of the official code, checked against Meta's real Llama-2 tokenizer.model (the
 * fixture the tokenizer work committed under loaders' test resources): the output marker
 * [529, 29886, 29958] is what "&lt;p&gt;" tokenizes to as a prompt word, and the stop id 2277 is the
 * piece "##". So the defaults ({@code "<p>"}, {@code "##"}) resolve to exactly the official ids.
 */
class OfficialIdsTest {
    static Tokenizer llama2() throws Exception {
        Path gz = Path.of("../loaders/src/test/resources/dev/codi4j/loaders/tokenizer/llama2/tokenizer.model.gz");
        assumeTrue(Files.isRegularFile(gz), "the Llama-2 tokenizer fixture is not at " + gz.toAbsolutePath());
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return SentencePieceTokenizer.fromModelStream(in, gz.toString());
        }
    }

    @Test
    void defaultMarkerAndStopResolveToTheOfficialIds() throws Exception {
        Tokenizer t = llama2();
        CoDi2Config cfg = CoDi2Config.parse("{\"llm\": \"x/y\"}", null);
        assertArrayEquals(new int[] {529, 29886, 29958}, CoDi2.markerIds(cfg, t, 32000).get("image"));
        assertEquals(java.util.Set.of(2277), CoDi2.stopIds(cfg, t, 32000));
        assertEquals("##", t.idToPiece(2277));
    }

    @Test
    void wordsAreTokenizedOneByOne() throws Exception {
        Tokenizer t = llama2();
        // "Make it" as one string and as two words give the same ids here; "\n###" as a word keeps its dummy prefix
        assertArrayEquals(t.encode("Make it", EncodeOptions.PLAIN), concat(t.encode("Make", EncodeOptions.PLAIN), t.encode("it", EncodeOptions.PLAIN)));
        assertEquals(0, t.encode("", EncodeOptions.PLAIN).length, "tokenizer('') is empty, so the empty words of 'a  b'.split(' ') add nothing");
        assertEquals(List.of("", "a", "", "b", ""), PromptAssembler.splitOnSpace(" a  b "));
        assertTrue(t.encode("\n###", EncodeOptions.PLAIN)[0] == 29871, "a word starting with a newline gets the '▁' dummy prefix piece 29871");
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
