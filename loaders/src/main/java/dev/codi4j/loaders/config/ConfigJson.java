package dev.codi4j.loaders.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Typed reads of an upstream {@code config.json}: each getter names the file and the field when the
 * field is missing (for required ones) or of the wrong type, and falls back to the upstream default
 * otherwise. Unknown fields are ignored, as transformers and diffusers do. {@code NaN}/{@code Infinity}
 * are accepted because Python's json module writes them.
 */
public final class ConfigJson {
    private static final long MAX_BYTES = 16L << 20;

    private final JsonObject o;
    private final String source;

    private ConfigJson(JsonObject o, String source) {
        this.o = o;
        this.source = source;
    }

    public static ConfigJson read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new FormatException(file, "is " + size + " bytes; a config.json is small, is this the right file?");
        return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString());
    }

    public static ConfigJson parse(String json, String source) throws FormatException {
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.LENIENT); // Python writes NaN / Infinity
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) throw new FormatException(source, "is not a JSON object");
            return new ConfigJson(e.getAsJsonObject(), source);
        } catch (RuntimeException e) {
            throw new FormatException(source, "is not valid JSON: " + e.getMessage(), e);
        }
    }

    public String source() { return source; }
    public JsonObject json() { return o; }

    public boolean has(String field) { return o.has(field) && !o.get(field).isJsonNull(); }

    private FormatException wrong(String field, String expected) {
        return new FormatException(source, "field \"" + field + "\" should be " + expected + ", found " + o.get(field));
    }

    private FormatException missing(String field) {
        return new FormatException(source, "lacks the required field \"" + field + "\"; the file is incomplete or for another model type");
    }

    private JsonPrimitive prim(String field) {
        JsonElement e = o.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsJsonPrimitive() : null;
    }

    public int reqInt(String field) throws FormatException {
        if (!has(field)) throw missing(field);
        return optInt(field, 0);
    }

    public int optInt(String field, int def) throws FormatException {
        if (!has(field)) return def;
        JsonPrimitive p = prim(field);
        if (p == null || !p.isNumber()) throw wrong(field, "an integer");
        double d = p.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw wrong(field, "an integer");
        return (int) d;
    }

    /** An optional integer that may be null upstream. */
    public Integer optInteger(String field) throws FormatException { return has(field) ? optInt(field, 0) : null; }

    public double reqDouble(String field) throws FormatException {
        if (!has(field)) throw missing(field);
        return optDouble(field, 0);
    }

    public double optDouble(String field, double def) throws FormatException {
        if (!has(field)) return def;
        JsonPrimitive p = prim(field);
        if (p == null) throw wrong(field, "a number");
        if (p.isNumber()) return p.getAsDouble();
        if (p.isString()) {
            try { return Double.parseDouble(p.getAsString()); } catch (NumberFormatException e) { throw wrong(field, "a number"); }
        }
        throw wrong(field, "a number");
    }

    public Double optDoubleOrNull(String field) throws FormatException { return has(field) ? optDouble(field, 0) : null; }

    public boolean optBool(String field, boolean def) throws FormatException {
        if (!has(field)) return def;
        JsonPrimitive p = prim(field);
        if (p == null || !p.isBoolean()) throw wrong(field, "true or false");
        return p.getAsBoolean();
    }

    public String reqString(String field) throws FormatException {
        if (!has(field)) throw missing(field);
        return optString(field, null);
    }

    public String optString(String field, String def) throws FormatException {
        if (!has(field)) return def;
        JsonPrimitive p = prim(field);
        if (p == null || !p.isString()) throw wrong(field, "a string");
        return p.getAsString();
    }

    public List<String> optStrings(String field, List<String> def) throws FormatException {
        if (!has(field)) return def;
        JsonElement e = o.get(field);
        if (!e.isJsonArray()) throw wrong(field, "a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) throw wrong(field, "a list of strings");
            out.add(x.getAsString());
        }
        return List.copyOf(out);
    }

    public int[] optInts(String field, int[] def) throws FormatException {
        if (!has(field)) return def == null ? null : def.clone();
        JsonElement e = o.get(field);
        if (!e.isJsonArray()) throw wrong(field, "a list of integers");
        return ints(field, e.getAsJsonArray());
    }

    public double[] optDoubles(String field, double[] def) throws FormatException {
        if (!has(field)) return def == null ? null : def.clone();
        JsonElement e = o.get(field);
        if (!e.isJsonArray()) throw wrong(field, "a list of numbers");
        JsonArray a = e.getAsJsonArray();
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isJsonPrimitive() || !a.get(i).getAsJsonPrimitive().isNumber()) throw wrong(field, "a list of numbers");
            out[i] = a.get(i).getAsDouble();
        }
        return out;
    }

    private int[] ints(String field, JsonArray a) throws FormatException {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber() || x.getAsDouble() != Math.rint(x.getAsDouble())) throw wrong(field, "a list of integers");
            out[i] = x.getAsInt();
        }
        return out;
    }

    /**
     * A field diffusers allows as one integer or one per block (attention_head_dim, layers_per_block,
     * cross_attention_dim...), expanded to {@code n} values; null stays null when {@code def} is null.
     */
    public int[] intOrList(String field, int n, Integer def) throws FormatException {
        if (!has(field)) {
            if (def == null) return null;
            int[] a = new int[n];
            Arrays.fill(a, def);
            return a;
        }
        JsonElement e = o.get(field);
        if (e.isJsonArray()) {
            int[] a = ints(field, e.getAsJsonArray());
            if (a.length != n) throw new FormatException(source, "field \"" + field + "\" has " + a.length + " values but the model has " + n + " blocks");
            return a;
        }
        int v = optInt(field, 0);
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Like {@link #intOrList} for booleans (only_cross_attention). */
    public boolean[] boolOrList(String field, int n, boolean def) throws FormatException {
        boolean[] a = new boolean[n];
        if (!has(field)) { Arrays.fill(a, def); return a; }
        JsonElement e = o.get(field);
        if (e.isJsonArray()) {
            JsonArray arr = e.getAsJsonArray();
            if (arr.size() != n) throw new FormatException(source, "field \"" + field + "\" has " + arr.size() + " values but the model has " + n + " blocks");
            for (int i = 0; i < n; i++) {
                if (!arr.get(i).isJsonPrimitive() || !arr.get(i).getAsJsonPrimitive().isBoolean()) throw wrong(field, "true/false or a list of them");
                a[i] = arr.get(i).getAsBoolean();
            }
            return a;
        }
        Arrays.fill(a, optBool(field, def));
        return a;
    }

    /** The {@code _class_name} diffusers writes, or null. */
    public String className() throws FormatException { return optString("_class_name", null); }
}
