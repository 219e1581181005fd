package dev.codi4j.models.codi2;

import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * CoDi-2's {@code process_and_concat_embeds}: a turn in the official string form is split on single
 * spaces; each text word is tokenized on its own ({@code tokenizer(word, add_special_tokens=False)})
 * and embedded, each medium word ({@code #image#_0}) is replaced by its projected feature rows, and
 * the BOS embedding goes first (first turn only: later turns continue the same KV cache).
 *
 * <p>Two deliberate differences from the Python, both about input the official code cannot take:
 * media are placed structurally (a literal "#image#" typed by a user stays text, where the official
 * code would try to parse it as a tag), and special-token strings in text ({@code "</s>"}) stay text.
 */
final class PromptAssembler {
    private final Tokenizer tokenizer;

    PromptAssembler(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** Part of a planned turn. */
    sealed interface Piece permits Words, Feature {}

    /** Consecutive text words, tokenized word by word and concatenated. */
    record Words(int[] ids) implements Piece {}

    /** A medium: its tag in the official string and the number of rows its features take. */
    record Feature(Media media, String tag, int rows) implements Piece {}

    /**
     * A turn ready to be embedded.
     *
     * @param rows positions it takes (BOS, tokens, feature rows)
     * @param officialPrompt the turn in CoDi-2's string form
     */
    record Plan(boolean bos, List<Piece> pieces, int rows, String officialPrompt) {
        List<Feature> features() {
            List<Feature> f = new ArrayList<>();
            for (Piece p : pieces) if (p instanceof Feature x) f.add(x);
            return f;
        }

        int tokenCount() {
            int n = bos ? 1 : 0;
            for (Piece p : pieces) if (p instanceof Words w) n += w.ids().length;
            return n;
        }
    }

    /**
     * Plans {@code before + prompt + after}.
     *
     * @param nextIndex per kind, the number of that kind's media already in the conversation (numbers
     *     the tags; updated)
     * @param rowsOf feature rows of a medium
     */
    Plan plan(boolean bos, String before, Prompt prompt, String after, Map<String, Integer> nextIndex, ToIntFunction<Media> rowsOf) {
        List<Object> flat = new ArrayList<>();
        flat.add(before);
        flat.addAll(prompt.parts());
        flat.add(after);
        List<Piece> pieces = new ArrayList<>();
        StringBuilder official = new StringBuilder();
        StringBuilder text = new StringBuilder();
        int rows = bos ? 1 : 0;
        for (Object part : flat) {
            if (part instanceof String s) {
                text.append(s);
                continue;
            }
            Media m = (Media) part;
            rows += flushText(text, pieces, official);
            int idx = nextIndex.merge(m.kind(), 1, Integer::sum) - 1;
            String tag = "#" + m.kind() + "#_" + idx;
            // a medium is a word of its own in the official form
            if (!official.isEmpty() && official.charAt(official.length() - 1) != ' ') official.append(' ');
            official.append(tag);
            int r = rowsOf.applyAsInt(m);
            pieces.add(new Feature(m, tag, r));
            rows += r;
        }
        rows += flushText(text, pieces, official);
        return new Plan(bos, pieces, rows, official.toString());
    }

    /** Tokenizes the pending text word by word (Python's {@code str.split(' ')}, empty words included). */
    private int flushText(StringBuilder text, List<Piece> pieces, StringBuilder official) {
        if (text.isEmpty()) return 0;
        String s = text.toString();
        text.setLength(0);
        if (!official.isEmpty() && official.charAt(official.length() - 1) != ' ' && !s.startsWith(" ")) official.append(' ');
        official.append(s);
        List<Integer> ids = new ArrayList<>();
        for (String word : splitOnSpace(s)) {
            if (word.isEmpty()) continue; // tokenizer('') is empty
            for (int id : tokenizer.encode(word, EncodeOptions.PLAIN)) ids.add(id);
        }
        if (ids.isEmpty()) return 0;
        pieces.add(new Words(ids.stream().mapToInt(Integer::intValue).toArray()));
        return ids.size();
    }

    /** Python's {@code s.split(' ')}: every single space separates, so runs of spaces give empty words. */
    static List<String> splitOnSpace(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == ' ') {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        out.add(s.substring(start));
        return out;
    }

    /**
     * The turn's input embeddings (rows, hidden): BOS, token embeddings and the projected features
     * given per medium (in plan order), concatenated.
     */
    static Tensor embed(Plan plan, Llama llm, int bosId, List<Tensor> projected, Backend b) {
        List<Tensor> parts = new ArrayList<>();
        List<Tensor> temps = new ArrayList<>();
        if (plan.bos()) {
            Tensor t = llm.embed(new int[] {bosId});
            parts.add(t);
            temps.add(t);
        }
        int f = 0;
        for (Piece p : plan.pieces()) {
            if (p instanceof Words w) {
                Tensor t = llm.embed(w.ids());
                parts.add(t);
                temps.add(t);
            } else {
                Tensor rows = projected.get(f++);
                Feature x = (Feature) p;
                if (rows.rank() != 2 || rows.dim(0) != x.rows() || rows.dim(1) != llm.config().hiddenSize())
                    throw new IllegalStateException("projected features of " + x.tag() + " are " + rows.describe() + ", expected (" + x.rows() + ", " + llm.config().hiddenSize() + ")");
                parts.add(rows);
            }
        }
        Tensor out = b.concat(0, parts);
        for (Tensor t : temps) t.close();
        return out;
    }
}
