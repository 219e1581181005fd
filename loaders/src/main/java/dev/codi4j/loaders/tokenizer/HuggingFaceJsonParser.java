package dev.codi4j.loaders.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the parts of a Hugging Face {@code tokenizer.json} that a SentencePiece-style BPE (Llama) uses. Anything
 * that would change the ids and is not implemented (another model type, a ByteLevel pre-tokenizer, regex
 * normalizers) is refused with a {@link TokenizerException} rather than silently tokenized differently.
 */
final class HuggingFaceJsonParser {
    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceJsonParser.class);

    private HuggingFaceJsonParser() {
    }

    static SentencePieceTokenizer.Config parse(Path file) {
        String json = new String(SentencePieceTokenizer.readAll(file), StandardCharsets.UTF_8);
        JsonObject config = null;
        Path cfg = file.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(cfg)) {
            config = parseObject(new String(SentencePieceTokenizer.readAll(cfg), StandardCharsets.UTF_8), cfg.toString());
        }
        return parse(json, config, file.toString());
    }

    static JsonObject parseObject(String json, String source) {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new TokenizerException(source + ": expected a JSON object at the top level, found "
                        + (e.isJsonArray() ? "an array" : e.toString()));
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TokenizerException(source + ": not valid JSON (" + e.getMessage() + "); the file is truncated or "
                    + "not a tokenizer.json", e);
        }
    }

    static SentencePieceTokenizer.Config parse(String json, JsonObject tokenizerConfig, String source) {
        JsonObject root = parseObject(json, source);
        JsonObject model = obj(root, "model", source);
        if (model == null) {
            throw new TokenizerException(source + ": no \"model\" object; expected a Hugging Face tokenizer.json");
        }
        String type = str(model, "type");
        if (type != null && !type.equals("BPE")) {
            throw new TokenizerException(source + ": model.type is " + type + "; this loader handles BPE tokenizers "
                    + "over SentencePiece pieces (Llama). For CLIP use ClipTokenizer.");
        }
        for (String k : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            String v = str(model, k);
            if (v != null && !v.isEmpty()) {
                throw new TokenizerException(source + ": model." + k + " = \"" + v + "\" is not supported here (Llama "
                        + "tokenizers have null); a CLIP-style tokenizer should be loaded with ClipTokenizer");
            }
        }
        if (model.has("dropout") && !model.get("dropout").isJsonNull()) {
            LOG.warn("{}: BPE dropout is ignored; encoding is deterministic", source);
        }
        JsonObject vocab = obj(model, "vocab", source);
        if (vocab == null || vocab.isEmpty()) {
            throw new TokenizerException(source + ": model.vocab is missing or empty");
        }
        Map<String, Integer> ids = new HashMap<>(vocab.size() * 2);
        int maxId = -1;
        for (Map.Entry<String, JsonElement> e : vocab.entrySet()) {
            int id = intValue(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]", source);
            ids.put(e.getKey(), id);
            maxId = Math.max(maxId, id);
        }
        List<AddedToken> added = new ArrayList<>();
        JsonElement at = root.get("added_tokens");
        if (at != null && at.isJsonArray()) {
            for (JsonElement e : at.getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                AddedToken t = new AddedToken(intValue(o.get("id"), "added_tokens[].id", source), str(o, "content"),
                        bool(o, "special", false), bool(o, "lstrip", false), bool(o, "rstrip", false));
                if (t.content == null || t.content.isEmpty()) {
                    throw new TokenizerException(source + ": added token " + t.id + " has no content");
                }
                added.add(t);
                maxId = Math.max(maxId, t.id);
            }
        }
        if (maxId >= 10_000_000) {
            throw new TokenizerException(source + ": token id " + maxId + " is implausibly large (limit 10,000,000)");
        }
        int n = maxId + 1;
        String[] pieces = new String[n];
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            pieces[e.getValue()] = e.getKey();
        }
        boolean byteFallback = bool(model, "byte_fallback", false);
        PieceType[] types = new PieceType[n];
        for (int i = 0; i < n; i++) {
            types[i] = byteFallback && SentencePieceTokenizer.parseBytePiece(pieces[i]) >= 0 ? PieceType.BYTE : PieceType.NORMAL;
        }
        String unkToken = str(model, "unk_token");
        int unk = unkToken == null || !ids.containsKey(unkToken) ? -1 : ids.get(unkToken);
        List<String> always = new ArrayList<>();
        List<String> lstrip = new ArrayList<>();
        List<String> rstrip = new ArrayList<>();
        for (AddedToken t : added) {
            pieces[t.id] = t.content;
            ids.put(t.content, t.id);
            if (t.special) {
                types[t.id] = t.content.equals(unkToken) ? PieceType.UNKNOWN : PieceType.CONTROL;
            } else {
                types[t.id] = PieceType.USER_DEFINED;
                always.add(t.content);
            }
            if (t.lstrip) {
                lstrip.add(t.content);
            }
            if (t.rstrip) {
                rstrip.add(t.content);
            }
        }
        if (unk >= 0 && types[unk] == PieceType.NORMAL) {
            types[unk] = PieceType.UNKNOWN;
        }
        LongLongMap merges = readMerges(model, ids, source);

        List<UnaryOperator<String>> steps = new ArrayList<>();
        JsonElement norm = root.get("normalizer");
        if (norm != null && !norm.isJsonNull()) {
            addNormalizer(norm.getAsJsonObject(), steps, source);
        }
        Metaspace meta = null;
        JsonElement pre = root.get("pre_tokenizer");
        if (pre != null && !pre.isJsonNull()) {
            meta = readPreTokenizer(pre.getAsJsonObject(), source);
        }
        boolean strip = decoderStrips(root.get("decoder"), meta);

        int bos = idOf(ids, "<s>");
        int eos = idOf(ids, "</s>");
        int pad = idOf(ids, "<pad>");
        boolean addBos = false;
        boolean addEos = false;
        JsonElement post = root.get("post_processor");
        if (post != null && post.isJsonObject() && "TemplateProcessing".equals(str(post.getAsJsonObject(), "type"))) {
            JsonArray single = post.getAsJsonObject().getAsJsonArray("single");
            if (single != null && !single.isEmpty()) {
                String first = specialIn(single.get(0));
                String last = specialIn(single.get(single.size() - 1));
                if (first != null && ids.containsKey(first)) {
                    addBos = true;
                    bos = ids.get(first);
                }
                if (last != null && single.size() > 1 && ids.containsKey(last)) {
                    addEos = true;
                    eos = ids.get(last);
                }
            }
        }
        if (tokenizerConfig != null) {
            bos = configToken(tokenizerConfig, "bos_token", ids, bos);
            eos = configToken(tokenizerConfig, "eos_token", ids, eos);
            pad = configToken(tokenizerConfig, "pad_token", ids, pad);
            addBos = bool(tokenizerConfig, "add_bos_token", addBos);
            addEos = bool(tokenizerConfig, "add_eos_token", addEos);
        }
        for (int i = 0; i < n; i++) {
            if (pieces[i] == null) {
                LOG.warn("{}: no token has id {}; decoding it will fail", source, i);
            }
        }
        HfNormalizer normalizer = new HfNormalizer(List.copyOf(steps), meta);
        return new SentencePieceTokenizer.Config(source, pieces, new float[n], types,
                SentencePieceTokenizer.MergeRule.RANK, merges, byteFallback, bool(model, "fuse_unk", false),
                bool(model, "ignore_merges", false), unk, bos, eos, pad, normalizer, meta != null && meta.split,
                strip, false, "", addBos, addEos, always, rstrip, lstrip);
    }

    private record AddedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip) {
    }

    private static LongLongMap readMerges(JsonObject model, Map<String, Integer> ids, String source) {
        JsonElement m = model.get("merges");
        JsonArray arr = m == null || m.isJsonNull() ? new JsonArray() : m.getAsJsonArray();
        LongLongMap map = new LongLongMap(arr.size());
        for (int rank = 0; rank < arr.size(); rank++) {
            JsonElement e = arr.get(rank);
            String a;
            String b;
            if (e.isJsonArray()) {
                JsonArray p = e.getAsJsonArray();
                if (p.size() != 2) {
                    throw badMerge(source, rank, e.toString());
                }
                a = p.get(0).getAsString();
                b = p.get(1).getAsString();
            } else {
                String s = e.getAsString();
                int sp = s.indexOf(' ');
                if (sp <= 0 || sp != s.lastIndexOf(' ') || sp == s.length() - 1) {
                    throw badMerge(source, rank, s);
                }
                a = s.substring(0, sp);
                b = s.substring(sp + 1);
            }
            Integer ia = ids.get(a);
            Integer ib = ids.get(b);
            Integer im = ids.get(a + b);
            if (ia == null || ib == null || im == null) {
                throw new TokenizerException(source + ": merge #" + rank + " (" + a + " + " + b + ") names a token that "
                        + "is not in model.vocab; the merges do not belong to this vocabulary");
            }
            map.putIfAbsent(((long) ia << 32) | (ib & 0xFFFFFFFFL), ((long) rank << 32) | im);
        }
        return map;
    }

    private static TokenizerException badMerge(String source, int rank, String found) {
        return new TokenizerException(source + ": merge #" + rank + " should be \"left right\" or [left, right], found "
                + found);
    }

    private static void addNormalizer(JsonObject n, List<UnaryOperator<String>> steps, String source) {
        String type = str(n, "type");
        switch (type == null ? "" : type) {
            case "Sequence" -> {
                for (JsonElement e : n.getAsJsonArray("normalizers")) {
                    addNormalizer(e.getAsJsonObject(), steps, source);
                }
            }
            case "Prepend" -> {
                String p = str(n, "prepend");
                steps.add(s -> s.isEmpty() ? s : p + s);
            }
            case "Replace" -> {
                JsonObject pattern = n.getAsJsonObject("pattern");
                if (pattern == null || !pattern.has("String")) {
                    throw new TokenizerException(source + ": normalizer Replace with a Regex pattern is not supported "
                            + "(Llama's replaces the string \" \")");
                }
                String from = pattern.get("String").getAsString();
                String to = str(n, "content");
                steps.add(s -> s.replace(from, to));
            }
            case "NFC" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFC));
            case "NFD" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFD));
            case "NFKC" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKC));
            case "NFKD" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKD));
            case "Lowercase" -> steps.add(s -> s.toLowerCase(Locale.ROOT));
            default -> throw new TokenizerException(source + ": normalizer type '" + type + "' is not supported; "
                    + "supported: Sequence, Prepend, Replace (string), NFC, NFD, NFKC, NFKD, Lowercase");
        }
    }

    /** Metaspace pre-tokenizer settings. */
    record Metaspace(char replacement, String prependScheme, boolean split) {
    }

    private static Metaspace readPreTokenizer(JsonObject p, String source) {
        String type = str(p, "type");
        if ("Sequence".equals(type)) {
            JsonArray list = p.getAsJsonArray("pretokenizers");
            if (list != null && list.size() == 1) {
                return readPreTokenizer(list.get(0).getAsJsonObject(), source);
            }
        }
        if (!"Metaspace".equals(type)) {
            throw new TokenizerException(source + ": pre_tokenizer '" + type + "' is not supported for a SentencePiece "
                    + "BPE; supported: none, Metaspace");
        }
        String rep = str(p, "replacement");
        String scheme = str(p, "prepend_scheme");
        if (scheme == null) {
            scheme = bool(p, "add_prefix_space", true) ? "always" : "never";
        }
        if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never")) {
            throw new TokenizerException(source + ": Metaspace prepend_scheme '" + scheme
                    + "'; expected always, first or never");
        }
        if (rep == null || rep.length() != 1) {
            throw new TokenizerException(source + ": Metaspace replacement must be one character, found " + rep);
        }
        return new Metaspace(rep.charAt(0), scheme, bool(p, "split", true));
    }

    private static boolean decoderStrips(JsonElement d, Metaspace meta) {
        if (d == null || d.isJsonNull()) {
            return meta != null && !meta.prependScheme().equals("never");
        }
        JsonObject o = d.getAsJsonObject();
        String type = str(o, "type");
        if ("Sequence".equals(type)) {
            for (JsonElement e : o.getAsJsonArray("decoders")) {
                if (decoderStrips(e, null)) {
                    return true;
                }
            }
            return false;
        }
        if ("Strip".equals(type)) {
            return o.has("start") && o.get("start").getAsInt() > 0;
        }
        if ("Metaspace".equals(type)) {
            String scheme = str(o, "prepend_scheme");
            return scheme == null ? bool(o, "add_prefix_space", true) : !scheme.equals("never");
        }
        return false;
    }

    private static String specialIn(JsonElement item) {
        if (item.isJsonObject() && item.getAsJsonObject().has("SpecialToken")) {
            return str(item.getAsJsonObject().getAsJsonObject("SpecialToken"), "id");
        }
        return null;
    }

    private static int configToken(JsonObject cfg, String key, Map<String, Integer> ids, int dflt) {
        JsonElement e = cfg.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        String content = e.isJsonObject() ? str(e.getAsJsonObject(), "content") : e.getAsString();
        Integer id = content == null ? null : ids.get(content);
        return id == null ? dflt : id;
    }

    private static int idOf(Map<String, Integer> ids, String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    private static JsonObject obj(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new TokenizerException(source + ": \"" + key + "\" should be an object, found " + shorten(e));
        }
        return e.getAsJsonObject();
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    static boolean bool(JsonObject o, String key, boolean dflt) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
    }

    private static int intValue(JsonElement e, String what, String source) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new TokenizerException(source + ": " + what + " should be an integer id, found " + shorten(e));
        }
        long v = e.getAsLong();
        if (v < 0 || v >= 10_000_000) {
            throw new TokenizerException(source + ": " + what + " = " + v + " is not a valid token id (0..9,999,999)");
        }
        return (int) v;
    }

    private static String shorten(JsonElement e) {
        String s = String.valueOf(e);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** The normalizer chain, then the Metaspace pre-tokenizer's replace-and-prepend. */
    record HfNormalizer(List<UnaryOperator<String>> steps, Metaspace meta)
            implements SentencePieceTokenizer.FragmentNormalizer {
        @Override
        public String normalize(String fragment, boolean atTextStart) {
            String s = fragment;
            for (UnaryOperator<String> step : steps) {
                s = step.apply(s);
            }
            if (meta != null) {
                s = s.replace(' ', meta.replacement());
                boolean prepend = switch (meta.prependScheme()) {
                    case "always" -> true;
                    case "first" -> atTextStart;
                    default -> false;
                };
                if (prepend && !s.isEmpty() && s.charAt(0) != meta.replacement()) {
                    s = meta.replacement() + s;
                }
            }
            return s;
        }
    }
}
