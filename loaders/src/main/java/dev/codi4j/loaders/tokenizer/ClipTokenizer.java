package dev.codi4j.loaders.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE (OpenAI CLIP's {@code SimpleTokenizer}, as open_clip, ImageBind and Stable Diffusion use
 * it). Text is cleaned ({@link Flavor}), split by CLIP's regex, each piece's UTF-8 bytes are mapped to printable
 * characters (GPT-2's {@code bytes_to_unicode}), the last character of a word gets {@code </w>}, and BPE merges
 * by rank.
 *
 * <p>Loads from {@code bpe_simple_vocab_16e6.txt.gz} (open_clip/ImageBind; the first line is a header, merges
 * are lines 1..48894, the vocabulary is 256 byte characters, the same with {@code </w>}, the merges joined, then
 * {@code <|startoftext|>} and {@code <|endoftext|>}) or from Hugging Face {@code vocab.json} + {@code merges.txt}.
 * {@link #tokenize(List, int, boolean)} makes the fixed-length rows a CLIP text tower takes.
 */
public final class ClipTokenizer implements Tokenizer {

    /** How text is cleaned and merged; the ids of the two differ only on unusual text. */
    public enum Flavor {
        /**
         * OpenAI CLIP / open_clip / ImageBind: {@link ClipTextCleaner} (an ftfy subset, {@code html.unescape}
         * twice, whitespace collapse, lower-case); BPE merges every occurrence of the best pair per pass.
         */
        OPEN_CLIP,
        /**
         * transformers' {@code CLIPTokenizer} (tokenizers backend; {@code CLIPTokenizerFast}): NFC, whitespace
         * runs to one space, lower-case, no ftfy or HTML unescaping; BPE merges one pair at a time by rank.
         */
        HUGGING_FACE
    }

    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    private static final int MERGES_IN_FILE = 49152 - 256 - 2;
    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    /** GPT-2's pattern, which tokenizers' ByteLevel pre-tokenizer applies again inside each CLIP word. */
    private static final Pattern GPT2_WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];
    /** bytes_to_unicode()'s insertion order: printable bytes first, then the others; the first 256 ids. */
    private static final int[] BYTE_ORDER = new int[256];
    private static final int CACHE_LIMIT = 100_000;

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        int k = 0;
        for (int b = 0; b < 256; b++) {
            if (printable(b)) {
                BYTE_ORDER[k++] = b;
            }
        }
        for (int b = 0; b < 256; b++) {
            char c = printable(b) ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
            if (!printable(b)) {
                BYTE_ORDER[k++] = b;
            }
        }
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    private final String source;
    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final LongLongMap merges;
    private final int sot;
    private final int eot;
    private final int pad;
    private final int unk;
    private final Flavor flavor;
    private final Map<String, Integer> specials;
    private final SentencePieceTokenizer.SpecialMatcher hfSpecials;
    private final int[] charId = new int[512];
    private final int[] charEowId = new int[512];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(String source, String[] tokens, Map<String, Integer> ids, List<String[]> mergeList,
                          int pad, int unk, Flavor flavor) {
        this.source = source;
        this.tokens = tokens;
        this.ids = ids;
        this.flavor = flavor;
        this.pad = pad;
        this.unk = unk;
        this.sot = require(ids, "<|startoftext|>", source);
        this.eot = require(ids, "<|endoftext|>", source);
        for (int b = 0; b < 256; b++) {
            String ch = String.valueOf(BYTE_TO_CHAR[b]);
            charId[BYTE_TO_CHAR[b]] = require(ids, ch, source);
            charEowId[BYTE_TO_CHAR[b]] = require(ids, ch + "</w>", source);
        }
        merges = new LongLongMap(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            String[] m = mergeList.get(rank);
            Integer a = ids.get(m[0]);
            Integer b = ids.get(m[1]);
            Integer ab = ids.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new TokenizerException(source + ": merge #" + rank + " (" + m[0] + " " + m[1] + ") names a token "
                        + "that is not in the vocabulary; vocab.json and merges.txt do not belong together");
            }
            merges.putIfAbsent(((long) a << 32) | b, ((long) rank << 32) | ab);
        }
        Map<String, Integer> sp = new LinkedHashMap<>();
        sp.put("<|startoftext|>", sot);
        sp.put("<|endoftext|>", eot);
        specials = Collections.unmodifiableMap(sp);
        List<String> split = new ArrayList<>(List.of("<|startoftext|>", "<|endoftext|>"));
        if (pad >= 0 && tokens[pad] != null && !tokens[pad].isEmpty()) {
            split.add(tokens[pad]);
        }
        hfSpecials = new SentencePieceTokenizer.SpecialMatcher(split);
    }

    private static int require(Map<String, Integer> ids, String token, String source) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new TokenizerException(source + ": the vocabulary has no token \"" + token + "\"; expected a CLIP BPE "
                    + "vocabulary (49408 tokens)");
        }
        return id;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Loads open_clip/ImageBind's {@code bpe_simple_vocab_16e6.txt.gz}; pads with 0 as they do; {@link Flavor#OPEN_CLIP}.
     */
    public static ClipTokenizer fromBpeFile(Path bpeGz) {
        return fromBpeBytes(SentencePieceTokenizer.readAll(bpeGz), bpeGz.toString());
    }

    /** Like {@link #fromBpeFile} from the file's bytes (gzip-compressed or plain text). */
    public static ClipTokenizer fromBpeBytes(byte[] bytes, String source) {
        String text;
        if (bytes.length > 2 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                byte[] plain = in.readNBytes((64 << 20) + 1);
                if (plain.length > 64 << 20) {
                    throw new TokenizerException(source + ": decompresses to more than 64 MiB; the real "
                            + "bpe_simple_vocab_16e6.txt.gz holds 1.7 MB of text. Is this the right file?");
                }
                text = new String(plain, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new TokenizerException(source + ": not a readable gzip file (" + e.getMessage() + "); download "
                        + "bpe_simple_vocab_16e6.txt.gz again", e);
            }
        } else {
            text = new String(bytes, StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n", -1);
        int last = Math.min(lines.length, MERGES_IN_FILE + 1);
        List<String> vocab = new ArrayList<>(512 + last + 2);
        for (int b : BYTE_ORDER) {
            vocab.add(String.valueOf(BYTE_TO_CHAR[b]));
        }
        for (int b : BYTE_ORDER) {
            vocab.add(BYTE_TO_CHAR[b] + "</w>");
        }
        List<String[]> mergeList = new ArrayList<>(last);
        for (int i = 1; i < last; i++) {
            String[] parts = lines[i].trim().split("\\s+");
            if (lines[i].isBlank()) {
                vocab.add(""); // an empty merge still takes an id upstream
                continue;
            }
            if (parts.length != 2) {
                throw new TokenizerException(source + ": line " + (i + 1) + " should be two space-separated symbols, "
                        + "found \"" + lines[i] + "\"; is this bpe_simple_vocab_16e6.txt(.gz)?");
            }
            mergeList.add(parts);
            vocab.add(parts[0] + parts[1]);
        }
        vocab.add("<|startoftext|>");
        vocab.add("<|endoftext|>");
        Map<String, Integer> ids = new HashMap<>(vocab.size() * 2);
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i); // later duplicates win, as Python's dict(zip(vocab, range))
        }
        return new ClipTokenizer(source, vocab.toArray(new String[0]), ids, mergeList, 0, -1, Flavor.OPEN_CLIP);
    }

    /**
     * Loads a Hugging Face CLIP tokenizer folder: {@code vocab.json}, {@code merges.txt}, and if present
     * {@code special_tokens_map.json} / {@code tokenizer_config.json} for the pad token ({@code special_tokens_map}
     * wins, as in transformers; Stable Diffusion 2.x pads with "!" = id 0, SD 1.x with {@code <|endoftext|>}).
     */
    public static ClipTokenizer fromHuggingFace(Path folder, Flavor flavor) {
        Path vocabFile = folder.resolve("vocab.json");
        Path mergesFile = folder.resolve("merges.txt");
        String vocabJson = new String(SentencePieceTokenizer.readAll(vocabFile), StandardCharsets.UTF_8);
        String merges = new String(SentencePieceTokenizer.readAll(mergesFile), StandardCharsets.UTF_8);
        String padToken = "<|endoftext|>";
        for (String name : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) {
                JsonObject o = HuggingFaceJsonParser.parseObject(
                        new String(SentencePieceTokenizer.readAll(p), StandardCharsets.UTF_8), p.toString());
                JsonElement e = o.get("pad_token");
                if (e != null && !e.isJsonNull()) {
                    padToken = e.isJsonObject() ? e.getAsJsonObject().get("content").getAsString() : e.getAsString();
                }
            }
        }
        return fromHuggingFace(vocabJson, merges, padToken, flavor, folder.toString());
    }

    /** From the texts of {@code vocab.json} and {@code merges.txt}; {@code padToken} must be in the vocabulary. */
    public static ClipTokenizer fromHuggingFace(String vocabJson, String mergesTxt, String padToken, Flavor flavor,
                                                String source) {
        JsonObject v = HuggingFaceJsonParser.parseObject(vocabJson, source + "/vocab.json");
        Map<String, Integer> ids = new HashMap<>(v.size() * 2);
        int max = -1;
        for (Map.Entry<String, JsonElement> e : v.entrySet()) {
            long id = e.getValue().getAsLong();
            if (id < 0 || id >= 10_000_000) {
                throw new TokenizerException(source + "/vocab.json: id " + id + " of \"" + e.getKey() + "\" is not a valid id");
            }
            ids.put(e.getKey(), (int) id);
            max = Math.max(max, (int) id);
        }
        String[] tokens = new String[max + 1];
        ids.forEach((t, id) -> tokens[id] = t);
        List<String[]> mergeList = new ArrayList<>();
        String[] lines = mergesTxt.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 2) {
                throw new TokenizerException(source + "/merges.txt: line " + (i + 1) + " should be \"left right\", "
                        + "found \"" + line + "\"");
            }
            mergeList.add(parts);
        }
        Integer padId = ids.get(padToken);
        if (padId == null) {
            throw new TokenizerException(source + ": pad_token \"" + padToken + "\" is not in vocab.json");
        }
        Integer unkId = ids.get("<|endoftext|>");
        return new ClipTokenizer(source, tokens, ids, mergeList, padId, unkId == null ? -1 : unkId, flavor);
    }

    // ---------------------------------------------------------------- encode

    /**
     * CLIP tokens of {@code text}; {@code addBos}/{@code addEos} add sot/eot. {@code parseSpecial} is not
     * consulted: as upstream, the strings {@code <|startoftext|>}/{@code <|endoftext|>} always become their ids
     * (after cleaning, so in any letter case, for {@link Flavor#OPEN_CLIP}; exactly as written, plus the pad
     * token, for {@link Flavor#HUGGING_FACE}).
     */
    @Override
    public int[] encode(String text, EncodeOptions options) {
        if (text == null) {
            throw new IllegalArgumentException("text is null; pass \"\" for empty text");
        }
        SentencePieceTokenizer.IntList out = new SentencePieceTokenizer.IntList(text.length() / 3 + 4);
        if (options.addBos()) {
            out.add(sot);
        }
        Merger w = new Merger();
        if (flavor == Flavor.OPEN_CLIP) {
            // the special strings are found after cleaning (so in any case), as CLIP's regex does
            encodeWords(ClipTextCleaner.clean(text), true, w, out);
        } else {
            // tokenizers splits special tokens (bos, eos, and the pad token: SD 2.x's "!") out of the raw text
            // first; inside the remaining text they are plain words
            String str = SentencePieceTokenizer.replaceLoneSurrogates(text);
            int from = 0;
            int pos = 0;
            while (pos < str.length()) {
                int len = hfSpecials.matchAt(str, pos);
                if (len < 0) {
                    pos++;
                    continue;
                }
                if (pos > from) {
                    encodeWords(ClipTextCleaner.cleanHuggingFace(str.substring(from, pos)), false, w, out);
                }
                out.add(ids.get(str.substring(pos, pos + len)));
                pos += len;
                from = pos;
            }
            if (from < str.length()) {
                encodeWords(ClipTextCleaner.cleanHuggingFace(str.substring(from)), false, w, out);
            }
        }
        if (options.addEos()) {
            out.add(eot);
        }
        return out.toArray();
    }

    private void encodeWords(String clean, boolean specialWords, Merger w, SentencePieceTokenizer.IntList out) {
        Matcher m = WORDS.matcher(clean);
        while (m.find()) {
            String word = m.group();
            if (specialWords && word.equals("<|startoftext|>")) {
                out.add(sot);
                continue;
            }
            if (specialWords && word.equals("<|endoftext|>")) {
                out.add(eot);
                continue;
            }
            if (specialWords) {
                encodeWord(word, w, out);
            } else {
                Matcher g = GPT2_WORDS.matcher(word);
                while (g.find()) {
                    encodeWord(g.group(), w, out);
                }
            }
        }
    }

    private void encodeWord(String word, Merger w, SentencePieceTokenizer.IntList out) {
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = bpe(word, w);
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(word, cached);
        }
        for (int id : cached) {
            out.add(id);
        }
    }

    private int[] bpe(String word, Merger w) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        w.reset(bytes.length);
        for (int i = 0; i < bytes.length; i++) {
            char c = BYTE_TO_CHAR[bytes[i] & 0xFF];
            w.add(i == bytes.length - 1 ? charEowId[c] : charId[c], i, i + 1);
        }
        w.run(flavor == Flavor.OPEN_CLIP);
        SentencePieceTokenizer.IntList out = new SentencePieceTokenizer.IntList(bytes.length);
        for (int s = 0; s >= 0 && s < w.n; s = w.next[s]) {
            out.add(w.ids[s]);
        }
        return out.toArray();
    }

    private final class Merger extends BpeMerger {
        @Override
        boolean candidate(int l, int r) {
            long v = merges.get(((long) ids[l] << 32) | (ids[r] & 0xFFFFFFFFL), -1L);
            if (v == -1L) {
                return false;
            }
            candKey = (int) (v >>> 32);
            candMerged = (int) v;
            return true;
        }
    }

    /**
     * Rows of exactly {@code contextLength} ids: sot, the text's tokens, eot, then the pad id (0 for
     * open_clip/ImageBind). A text that does not fit is cut to {@code contextLength} with eot last when
     * {@code truncate} (open_clip, ImageBind, diffusers' {@code truncation=True}); otherwise it is an error, as
     * in OpenAI's {@code clip.tokenize}.
     */
    public int[][] tokenize(List<String> texts, int contextLength, boolean truncate) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength " + contextLength + " leaves no room for sot and eot");
        }
        int[][] rows = new int[texts.size()][];
        for (int i = 0; i < rows.length; i++) {
            int[] t = encode(texts.get(i), new EncodeOptions(true, true, false));
            if (t.length > contextLength) {
                if (!truncate) {
                    throw new TokenizerException("text " + i + " is " + t.length + " tokens long with sot/eot, more than the "
                            + "context length " + contextLength + "; shorten it or tokenize with truncate=true");
                }
                t = Arrays.copyOf(t, contextLength);
                t[contextLength - 1] = eot;
            }
            int[] row = new int[contextLength];
            System.arraycopy(t, 0, row, 0, t.length);
            Arrays.fill(row, t.length, contextLength, pad);
            rows[i] = row;
        }
        return rows;
    }

    /** One row of {@link #DEFAULT_CONTEXT_LENGTH} ids, truncated if needed (ImageBind's text preprocessing). */
    public int[] tokenize(String text) {
        return tokenize(List.of(text), DEFAULT_CONTEXT_LENGTH, true)[0];
    }

    // ---------------------------------------------------------------- decode

    /**
     * open_clip's decode: token texts concatenated, byte characters back to UTF-8 (malformed bytes as Python's
     * "replace"), {@code </w>} → space. Special tokens are skipped unless {@code skipSpecial} is off; the text
     * keeps the space after its last word (Hugging Face additionally strips).
     */
    @Override
    public StreamingDecoder newStreamingDecoder(DecodeOptions options) {
        return new StreamingDecoder(this::render, Utf8Accumulator.Mode.MAXIMAL_SUBPART, options);
    }

    private void render(int id, StreamingDecoder d) {
        String t = idToPiece(id);
        if (id == sot || id == eot) {
            if (!d.options.skipSpecial()) {
                d.appendText(t);
            }
            return;
        }
        if (t == null) {
            throw new TokenizerException("token id " + id + " has no text in " + source);
        }
        boolean eow = t.endsWith("</w>");
        int len = eow ? t.length() - 4 : t.length();
        for (int i = 0; i < len; i++) {
            char c = t.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                throw new TokenizerException(source + ": token " + id + " contains '" + c + "', not a byte character");
            }
            d.appendByte(b);
        }
        if (eow) {
            d.appendByte(' ');
        }
    }

    // ---------------------------------------------------------------- vocabulary

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int bosId() {
        return sot;
    }

    @Override
    public int eosId() {
        return eot;
    }

    @Override
    public int padId() {
        return pad;
    }

    @Override
    public int unkId() {
        return unk;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    @Override
    public boolean isSpecial(int id) {
        return id == sot || id == eot;
    }

    @Override
    public String idToPiece(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new TokenizerException("token id " + id + " is outside the vocabulary of " + source + " (valid ids: 0.."
                    + (tokens.length - 1) + ")");
        }
        return tokens[id];
    }

    @Override
    public int pieceToId(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    @Override
    public boolean addsBosByDefault() {
        return true;
    }

    public Flavor flavor() {
        return flavor;
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + source + ", " + tokens.length + " tokens, " + flavor + "]";
    }
}
