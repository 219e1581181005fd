package dev.codi4j.loaders.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Llama's tokenizer: SentencePiece BPE with byte fallback, in pure Java. Loads from
 * <ul>
 *   <li>{@code tokenizer.model} (SentencePiece's protobuf) — {@link #fromModelFile(Path)}; merges by the
 *       score of the merged piece, exactly as {@code sentencepiece::bpe::Model::Encode};</li>
 *   <li>Hugging Face {@code tokenizer.json} with a BPE model — {@link #fromHuggingFaceJson(Path)}; merges by
 *       rank of the {@code merges} list, exactly as {@code tokenizers}' BPE;</li>
 *   <li>GGUF {@code tokenizer.ggml.*} metadata — {@link #fromGguf(GgufTokenizerData)}; SentencePiece rules.</li>
 * </ul>
 * Special tokens ({@code <s>}, {@code </s>}, {@code <unk>}) are never produced from text unless
 * {@link EncodeOptions#parseSpecial()} is set; then each piece of text between special tokens gets its own
 * dummy-prefix space, as llama.cpp and Hugging Face do.
 *
 * <p>Text with unpaired UTF-16 surrogates is encoded as if each were U+FFFD (a Java String may hold them,
 * UTF-8 cannot). A literal U+2581 "▁" in the input is indistinguishable from an escaped space and decodes as
 * a space, as in SentencePiece.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    static final char SPACE_SYMBOL = '\u2581';
    private static final int MAX_FILE_BYTES = 1 << 30;

    /** Which rule decides the next merge. */
    enum MergeRule { SCORE, RANK }

    /** Normalizes one fragment of text (the text between special tokens). */
    interface FragmentNormalizer {
        /** @param atTextStart whether the fragment starts at offset 0 of the caller's text */
        String normalize(String fragment, boolean atTextStart);
    }

    /** Everything a loader determined. Package-private: the factories are the API. */
    record Config(String source, String[] pieces, float[] scores, PieceType[] types, MergeRule rule,
                  LongLongMap merges, boolean byteFallback, boolean fuseUnk, boolean ignoreMerges,
                  int unkId, int bosId, int eosId, int padId, FragmentNormalizer normalizer,
                  boolean splitOnSpaceSymbol, boolean stripLeadingSpaceOnDecode, boolean removeExtraWhitespaces,
                  String unkSurface, boolean addBos, boolean addEos,
                  List<String> alwaysSplit, List<String> rstripTokens, List<String> lstripTokens) {
    }

    private final Config c;
    private final String[] pieces;
    private final PieceType[] types;
    private final Map<String, Integer> pieceIds;
    private final PieceTable mergeable;
    private final PieceTable allPieces;
    private final int[] byteIds = new int[256];
    private final int[] byteValue;
    private final Map<String, Integer> specials;
    private final SpecialMatcher plainMatcher;
    private final SpecialMatcher specialMatcher;
    private final UserSymbols userSymbols;

    SentencePieceTokenizer(Config config) {
        this.c = config;
        this.pieces = config.pieces();
        this.types = config.types();
        int v = pieces.length;
        pieceIds = new HashMap<>(v * 2);
        for (int i = 0; i < v; i++) {
            if (pieces[i] != null) {
                pieceIds.putIfAbsent(pieces[i], i);
            }
        }
        boolean[] merge = new boolean[v];
        for (int i = 0; i < v; i++) {
            PieceType t = types[i];
            merge[i] = pieces[i] != null && (t == PieceType.NORMAL || t == PieceType.USER_DEFINED || t == PieceType.UNUSED);
        }
        mergeable = new PieceTable(pieces, merge);
        boolean[] all = new boolean[v];
        Arrays.fill(all, true);
        allPieces = new PieceTable(pieces, all);
        Arrays.fill(byteIds, -1);
        byteValue = new int[v];
        Arrays.fill(byteValue, -1);
        for (int i = 0; i < v; i++) {
            int b = parseBytePiece(pieces[i]);
            if (b >= 0 && (types[i] == PieceType.BYTE || (config.rule() == MergeRule.RANK && config.byteFallback()))) {
                if (byteIds[b] < 0) {
                    byteIds[b] = i;
                }
                byteValue[i] = b;
            }
        }
        if (config.byteFallback()) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new TokenizerException(config.source() + ": byte fallback is on but the vocabulary has no piece "
                            + bytePiece(b) + "; expected all 256 pieces <0x00>..<0xFF>. The file is damaged or not a "
                            + "Llama tokenizer.");
                }
            }
        }
        Map<String, Integer> sp = new LinkedHashMap<>();
        List<String> specialStrings = new ArrayList<>();
        List<String> userDefined = new ArrayList<>();
        for (int i = 0; i < v; i++) {
            if (pieces[i] == null) {
                continue;
            }
            if (types[i] == PieceType.CONTROL || types[i] == PieceType.UNKNOWN) {
                sp.putIfAbsent(pieces[i], i);
                specialStrings.add(pieces[i]);
            } else if (types[i] == PieceType.USER_DEFINED) {
                userDefined.add(pieces[i]);
            }
        }
        specials = Collections.unmodifiableMap(sp);
        List<String> always = new ArrayList<>(config.alwaysSplit());
        plainMatcher = always.isEmpty() ? null : new SpecialMatcher(always);
        List<String> withSpecials = new ArrayList<>(always);
        withSpecials.addAll(specialStrings);
        specialMatcher = withSpecials.isEmpty() ? null : new SpecialMatcher(withSpecials);
        userSymbols = config.rule() == MergeRule.SCORE && !userDefined.isEmpty() ? new UserSymbols(userDefined) : null;
    }

    // ---------------------------------------------------------------- factories

    /** Loads a SentencePiece {@code tokenizer.model} (BPE, as Llama-2's). */
    public static SentencePieceTokenizer fromModelFile(Path path) {
        return new SentencePieceTokenizer(SentencePieceModelParser.parse(readAll(path), path.toString()));
    }

    /** Parses the bytes of a SentencePiece {@code tokenizer.model}; {@code source} names it in errors. */
    public static SentencePieceTokenizer fromModelBytes(byte[] model, String source) {
        return new SentencePieceTokenizer(SentencePieceModelParser.parse(model, source));
    }

    /** Loads a SentencePiece {@code tokenizer.model} from a stream (not closed). */
    public static SentencePieceTokenizer fromModelStream(InputStream in, String source) throws IOException {
        return fromModelBytes(in.readNBytes(MAX_FILE_BYTES), source);
    }

    /**
     * Loads a Hugging Face {@code tokenizer.json} whose model is BPE over SentencePiece pieces (Llama-2 layout:
     * {@code Prepend("▁")}+{@code Replace(" ","▁")} normalizer, or the {@code Metaspace} pre-tokenizer of newer
     * files; byte fallback). A {@code tokenizer_config.json} next to it supplies bos/eos/pad and add_bos/add_eos.
     */
    public static SentencePieceTokenizer fromHuggingFaceJson(Path tokenizerJson) {
        return new SentencePieceTokenizer(HuggingFaceJsonParser.parse(tokenizerJson));
    }

    /** Parses the text of a Hugging Face {@code tokenizer.json}; {@code source} names it in errors. */
    public static SentencePieceTokenizer fromHuggingFaceJson(String json, String source) {
        return new SentencePieceTokenizer(HuggingFaceJsonParser.parse(json, null, source));
    }

    /** Builds the tokenizer from GGUF's {@code tokenizer.ggml.*} metadata ({@code tokenizer.ggml.model = "llama"}). */
    public static SentencePieceTokenizer fromGguf(GgufTokenizerData data) {
        return new SentencePieceTokenizer(data.toConfig());
    }

    static byte[] readAll(Path path) {
        try {
            long size = java.nio.file.Files.size(path);
            if (size > MAX_FILE_BYTES) {
                throw new TokenizerException(path + ": " + size + " bytes is too large for a tokenizer file (limit "
                        + MAX_FILE_BYTES + "); is this the right file?");
            }
            return java.nio.file.Files.readAllBytes(path);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new TokenizerException(path + ": file not found. Point to the tokenizer file of the model "
                    + "(tokenizer.model or tokenizer.json in the model folder).", e);
        } catch (IOException e) {
            throw new TokenizerException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    // ---------------------------------------------------------------- encode

    @Override
    public int[] encode(String text, EncodeOptions options) {
        if (text == null) {
            throw new IllegalArgumentException("text is null; pass \"\" for empty text");
        }
        String s = replaceLoneSurrogates(text);
        IntList out = new IntList(s.length() / 3 + 4);
        if (options.addBos()) {
            requireId(c.bosId(), "BOS");
            out.add(c.bosId());
        }
        SpecialMatcher m = options.parseSpecial() ? specialMatcher : plainMatcher;
        Work w = new Work();
        if (m == null) {
            encodeFragment(s, true, w, out);
        } else {
            int pos = 0;
            int fragStart = 0;
            while (pos < s.length()) {
                int len = m.matchAt(s, pos);
                if (len < 0) {
                    pos++;
                    continue;
                }
                String tok = s.substring(pos, pos + len);
                int fragEnd = pos;
                if (c.lstripTokens().contains(tok)) {
                    while (fragEnd > fragStart && Character.isWhitespace(s.charAt(fragEnd - 1))) {
                        fragEnd--;
                    }
                }
                if (fragEnd > fragStart) {
                    encodeFragment(s.substring(fragStart, fragEnd), fragStart == 0, w, out);
                }
                out.add(pieceIds.get(tok));
                pos += len;
                if (c.rstripTokens().contains(tok)) {
                    while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                        pos++;
                    }
                }
                fragStart = pos;
            }
            if (fragStart < s.length()) {
                encodeFragment(s.substring(fragStart), fragStart == 0, w, out);
            }
        }
        if (options.addEos()) {
            requireId(c.eosId(), "EOS");
            out.add(c.eosId());
        }
        return out.toArray();
    }

    private void requireId(int id, String what) {
        if (id < 0) {
            throw new TokenizerException(c.source() + ": the vocabulary has no " + what + " token, so it cannot be added; "
                    + "encode without it");
        }
    }

    private void encodeFragment(String fragment, boolean atTextStart, Work w, IntList out) {
        String normalized = c.normalizer().normalize(fragment, atTextStart);
        if (normalized.isEmpty()) {
            return;
        }
        char[] buf = normalized.toCharArray();
        if (c.splitOnSpaceSymbol()) {
            int from = 0;
            for (int i = 1; i <= buf.length; i++) {
                if (i == buf.length || buf[i] == SPACE_SYMBOL) {
                    encodeWord(buf, from, i, w, out);
                    from = i;
                }
            }
        } else {
            encodeWord(buf, 0, buf.length, w, out);
        }
    }

    private void encodeWord(char[] buf, int from, int to, Work w, IntList out) {
        if (c.rule() == MergeRule.SCORE) {
            encodeSentencePiece(buf, from, to, w, out);
        } else {
            encodeRanked(buf, from, to, w, out);
        }
    }

    /** sentencepiece::bpe::Model::Encode followed by SentencePieceProcessor's byte fallback and unk fusing. */
    private void encodeSentencePiece(char[] buf, int from, int to, Work w, IntList out) {
        w.buf = buf;
        w.reset(to - from);
        int i = from;
        while (i < to) {
            int len = userSymbols == null ? 0 : userSymbols.matchAt(buf, i, to);
            boolean frozen = len > 0;
            if (!frozen) {
                len = Character.isHighSurrogate(buf[i]) && i + 1 < to ? 2 : 1;
            }
            int id = mergeable.find(buf, i, i + len);
            w.add(frozen ? -2 - Math.max(id, 0) : id, i, i + len);
            i += len;
        }
        w.run(false);
        boolean prevUnk = false;
        for (int s = 0; s >= 0 && s < w.n; s = w.next[s]) {
            prevUnk = emitSentencePiece(buf, w.start[s], w.end[s], prevUnk, w, out);
        }
    }

    private boolean emitSentencePiece(char[] buf, int from, int to, boolean prevUnk, Work w, IntList out) {
        int id = mergeable.find(buf, from, to);
        Integer leftLength = id >= 0 && types[id] == PieceType.UNUSED && w.unusedSplits != null ? w.unusedSplits.get(id) : null;
        if (leftLength != null) {
            int split = from + leftLength;
            boolean u = emitSentencePiece(buf, from, split, prevUnk, w, out);
            return emitSentencePiece(buf, split, to, u, w, out);
        }
        if (id < 0) {
            id = allPieces.find(buf, from, to);
        }
        boolean unk = id < 0 || id == c.unkId();
        if (unk && c.byteFallback()) {
            byte[] bytes = new String(buf, from, to - from).getBytes(StandardCharsets.UTF_8);
            for (byte b : bytes) {
                out.add(byteIds[b & 0xFF]);
            }
            return true;
        }
        if (unk) {
            if (!prevUnk) {
                out.add(c.unkId());
            }
            return true;
        }
        out.add(id);
        return false;
    }

    /** tokenizers' BPE::tokenize_with_cache → merge_word: chars to ids (or bytes / unk), then merges by rank. */
    private void encodeRanked(char[] buf, int from, int to, Work w, IntList out) {
        if (c.ignoreMerges()) {
            Integer whole = pieceIds.get(new String(buf, from, to - from));
            if (whole != null) {
                out.add(whole);
                return;
            }
        }
        w.buf = buf;
        w.reset(to - from);
        int i = from;
        boolean lastUnk = false;
        while (i < to) {
            int len = Character.isHighSurrogate(buf[i]) && i + 1 < to ? 2 : 1;
            int id = allPieces.find(buf, i, i + len);
            if (id >= 0) {
                w.add(id, i, i + len);
                lastUnk = false;
            } else if (c.byteFallback()) {
                for (byte b : new String(buf, i, len).getBytes(StandardCharsets.UTF_8)) {
                    w.add(byteIds[b & 0xFF], i, i + len);
                }
                lastUnk = false;
            } else {
                if (c.unkId() < 0) {
                    throw new TokenizerException(c.source() + ": character U+" + Integer.toHexString(
                            Character.codePointAt(buf, i)).toUpperCase() + " is not in the vocabulary and the model has "
                            + "neither byte_fallback nor unk_token");
                }
                if (!(c.fuseUnk() && lastUnk)) {
                    w.add(c.unkId(), i, i + len);
                } else {
                    w.end[w.n - 1] = i + len;
                }
                lastUnk = true;
            }
            i += len;
        }
        w.run(false);
        for (int s = 0; s >= 0 && s < w.n; s = w.next[s]) {
            out.add(w.ids[s]);
        }
    }

    /** Per-call workspace: the merge loop plus this tokenizer's pair rule. */
    private final class Work extends BpeMerger {
        char[] buf;
        /** SentencePiece's rev_merge: how each unused piece formed in this call splits back. */
        Map<Integer, Integer> unusedSplits;

        @Override
        boolean candidate(int l, int r) {
            if (c.rule() == MergeRule.RANK) {
                long v = c.merges().get(((long) ids[l] << 32) | (ids[r] & 0xFFFFFFFFL), -1L);
                if (v == -1L) {
                    return false;
                }
                candKey = (int) (v >>> 32);
                candMerged = (int) v;
                return true;
            }
            if (ids[l] <= -2 || ids[r] <= -2) {
                return false; // user-defined symbols never merge
            }
            int id = mergeable.find(buf, start[l], end[r]);
            if (id < 0) {
                return false;
            }
            candKey = scoreKey(c.scores()[id]);
            candMerged = id;
            return true;
        }

        @Override
        void onMerge(int l, int mergedId, int rightLength) {
            if (c.rule() == MergeRule.SCORE && types[mergedId] == PieceType.UNUSED) {
                if (unusedSplits == null) {
                    unusedSplits = new HashMap<>();
                }
                unusedSplits.put(mergedId, (end[l] - start[l]) - rightLength); // last writer wins, as there
            }
        }
    }

    // ---------------------------------------------------------------- decode

    @Override
    public StreamingDecoder newStreamingDecoder(DecodeOptions options) {
        return new StreamingDecoder(this::render, Utf8Accumulator.Mode.PER_BYTE, options);
    }

    /** SentencePieceProcessor::Decode's rules, one token at a time. */
    private void render(int id, StreamingDecoder d) {
        if (id < 0 || id >= pieces.length || pieces[id] == null) {
            throw new TokenizerException("token id " + id + " is outside the vocabulary of " + c.source()
                    + " (valid ids: 0.." + (pieces.length - 1) + "); was it produced by another model?");
        }
        int b = byteValue[id];
        if (b >= 0 && c.byteFallback()) {
            d.appendByte(b);
            return;
        }
        d.endByteRun();
        if (d.bosWsSeen || d.hasEmitted()) {
            d.bosWs = false;
        }
        PieceType t = types[id];
        if (t == PieceType.CONTROL) {
            d.bosWsSeen = false;
            if (!d.options.skipSpecial()) {
                d.appendText(pieces[id]);
            }
            return;
        }
        if (t == PieceType.UNKNOWN) {
            d.bosWsSeen = false;
            d.appendText(d.options.skipSpecial() ? c.unkSurface() : pieces[id]);
            return;
        }
        String p = pieces[id];
        boolean consumed = false;
        if (d.bosWs && c.stripLeadingSpaceOnDecode() && !p.isEmpty() && p.charAt(0) == SPACE_SYMBOL) {
            p = p.substring(1);
            consumed = !c.removeExtraWhitespaces();
        }
        d.bosWsSeen = consumed;
        d.appendText(p.replace(SPACE_SYMBOL, ' '));
    }

    // ---------------------------------------------------------------- vocabulary

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return c.bosId();
    }

    @Override
    public int eosId() {
        return c.eosId();
    }

    @Override
    public int padId() {
        return c.padId();
    }

    @Override
    public int unkId() {
        return c.unkId();
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < types.length && (types[id] == PieceType.CONTROL || types[id] == PieceType.UNKNOWN);
    }

    @Override
    public String idToPiece(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new TokenizerException("token id " + id + " is outside the vocabulary of " + c.source()
                    + " (valid ids: 0.." + (pieces.length - 1) + ")");
        }
        return pieces[id];
    }

    @Override
    public int pieceToId(String piece) {
        Integer id = pieceIds.get(piece);
        return id == null ? -1 : id;
    }

    /** The piece's type (NORMAL, CONTROL, BYTE, ...). */
    public PieceType pieceType(int id) {
        idToPiece(id);
        return types[id];
    }

    /** The piece's score ({@code tokenizer.model}/GGUF) or minus its merge rank order (tokenizer.json: 0). */
    public float score(int id) {
        idToPiece(id);
        return c.scores()[id];
    }

    @Override
    public boolean addsBosByDefault() {
        return c.addBos();
    }

    /** Whether the tokenizer file asks for EOS to be appended. */
    public boolean addsEosByDefault() {
        return c.addEos();
    }

    /** Where this tokenizer was loaded from (a path or a description). */
    public String source() {
        return c.source();
    }

    @Override
    public String toString() {
        return "SentencePieceTokenizer[" + c.source() + ", " + pieces.length + " pieces, merges by "
                + (c.rule() == MergeRule.SCORE ? "score" : "rank") + "]";
    }

    // ---------------------------------------------------------------- helpers

    static int parseBytePiece(String p) {
        if (p == null || p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(p.charAt(3), 16);
        int lo = Character.digit(p.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    static String bytePiece(int b) {
        return String.format("<0x%02X>", b);
    }

    /** Unpaired surrogates cannot be UTF-8; they become U+FFFD so that results are deterministic. */
    static String replaceLoneSurrogates(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean lone = Character.isHighSurrogate(ch)
                    ? !(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))
                    : Character.isLowSurrogate(ch) && !(i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
            if (lone) {
                if (sb == null) {
                    sb = new StringBuilder(s);
                }
                sb.setCharAt(i, '\uFFFD');
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Finds the longest of a set of strings at a position (special tokens, always-split added tokens). */
    static final class SpecialMatcher {
        private final Map<Character, List<String>> byFirst = new HashMap<>();

        SpecialMatcher(List<String> strings) {
            for (String s : strings) {
                if (!s.isEmpty()) {
                    byFirst.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(s);
                }
            }
            for (List<String> l : byFirst.values()) {
                l.sort((a, b) -> Integer.compare(b.length(), a.length()));
            }
        }

        int matchAt(String text, int pos) {
            List<String> cands = byFirst.get(text.charAt(pos));
            if (cands != null) {
                for (String s : cands) {
                    if (text.startsWith(s, pos)) {
                        return s.length();
                    }
                }
            }
            return -1;
        }
    }

    /** SentencePiece's PrefixMatcher over USER_DEFINED pieces: they become single symbols that never merge. */
    static final class UserSymbols {
        private final Map<Character, List<String>> byFirst = new HashMap<>();

        UserSymbols(List<String> symbols) {
            for (String s : symbols) {
                byFirst.computeIfAbsent(s.charAt(0), k -> new ArrayList<>()).add(s);
            }
            for (List<String> l : byFirst.values()) {
                l.sort((a, b) -> Integer.compare(b.length(), a.length()));
            }
        }

        int matchAt(char[] buf, int pos, int to) {
            List<String> cands = byFirst.get(buf[pos]);
            if (cands == null) {
                return 0;
            }
            outer:
            for (String s : cands) {
                if (s.length() > to - pos) {
                    continue;
                }
                for (int k = 0; k < s.length(); k++) {
                    if (buf[pos + k] != s.charAt(k)) {
                        continue outer;
                    }
                }
                return s.length();
            }
            return 0;
        }
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a;
        private int n;

        IntList(int cap) {
            a = new int[Math.max(4, cap)];
        }

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
