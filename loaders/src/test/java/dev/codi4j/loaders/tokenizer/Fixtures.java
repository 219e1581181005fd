package dev.codi4j.loaders.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Test fixtures of the tokenizer package (made by tools/fixtures/tokenizer_*.py). */
final class Fixtures {
    private Fixtures() {
    }

    static final String ROOT = "/dev/codi4j/loaders/tokenizer/";

    static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + ROOT + name);
            }
            byte[] b = in.readAllBytes();
            return name.endsWith(".gz") ? gunzip(b) : b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gunzip(byte[] b) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(b))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonObject json(String name) {
        return JsonParser.parseString(new String(resource(name), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    static int[] ints(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    /** shared/models: the codi4j.shared property (set by the root pom), else the nearest shared/ above here. */
    static Path sharedModels() {
        String shared = System.getProperty("codi4j.shared");
        if (shared != null && java.nio.file.Files.isDirectory(Path.of(shared, "models"))) {
            return Path.of(shared, "models");
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (java.nio.file.Files.isDirectory(d.resolve("shared/models"))) {
                return d.resolve("shared/models");
            }
        }
        return Path.of(shared == null ? "../shared" : shared, "models");
    }

    // ------------------------------------------------------------ Llama-2

    private static SentencePieceTokenizer llamaModel;
    private static SentencePieceTokenizer llamaJsonTokenizer;
    private static String llamaJson;

    static synchronized SentencePieceTokenizer llama2Model() {
        if (llamaModel == null) {
            llamaModel = SentencePieceTokenizer.fromModelBytes(resource("llama2/tokenizer.model.gz"), "llama2/tokenizer.model");
        }
        return llamaModel;
    }

    /** Meta's Llama-2 tokenizer.json (legacy layout) loaded by our JSON loader; built once per test JVM. */
    static synchronized SentencePieceTokenizer llama2Json() {
        if (llamaJsonTokenizer == null) {
            llamaJsonTokenizer = SentencePieceTokenizer.fromHuggingFaceJson(llama2TokenizerJson(false), "llama2 tokenizer.json");
        }
        return llamaJsonTokenizer;
    }

    /** Merges of Meta's Llama-2 tokenizer.json, decoded from the compact fixture (see the fixture script). */
    static List<String> llama2Merges(SentencePieceTokenizer model) {
        byte[] b = resource("llama2/merges.compact.gz");
        int[] pos = {0};
        long count = varint(b, pos);
        List<String> merges = new ArrayList<>((int) count);
        long prev = 0;
        for (long i = 0; i < count; i++) {
            long z = varint(b, pos);
            long merged = prev + ((z >>> 1) ^ -(z & 1));
            int split = (int) varint(b, pos);
            String piece = model.idToPiece((int) merged);
            int k = piece.offsetByCodePoints(0, split);
            merges.add(piece.substring(0, k) + " " + piece.substring(k));
            prev = merged;
        }
        return merges;
    }

    private static long varint(byte[] b, int[] pos) {
        long r = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[pos[0]++];
            r |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return r;
            }
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Meta's Llama-2 tokenizer.json: template + vocab (the model's pieces) + merges; {@code metaspace} = newer layout. */
    static synchronized String llama2TokenizerJson(boolean metaspace) {
        if (llamaJson == null) {
            SentencePieceTokenizer m = llama2Model();
            JsonObject t = json("llama2/tokenizer_json_template.json");
            JsonObject vocab = new JsonObject();
            for (int i = 0; i < m.vocabSize(); i++) {
                vocab.addProperty(m.idToPiece(i), i);
            }
            JsonArray merges = new JsonArray();
            for (String s : llama2Merges(m)) {
                merges.add(s);
            }
            t.getAsJsonObject("model").add("vocab", vocab);
            t.getAsJsonObject("model").add("merges", merges);
            llamaJson = t.toString();
        }
        if (!metaspace) {
            return llamaJson;
        }
        JsonObject t = JsonParser.parseString(llamaJson).getAsJsonObject();
        t.add("normalizer", com.google.gson.JsonNull.INSTANCE);
        JsonObject pre = new JsonObject();
        pre.addProperty("type", "Metaspace");
        pre.addProperty("replacement", "\u2581");
        pre.addProperty("prepend_scheme", "first");
        pre.addProperty("split", false);
        t.add("pre_tokenizer", pre);
        return t.toString();
    }

    static byte[] toBytes(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
