package dev.codi4j.loaders.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of a diffusers/transformers JSON config with the upstream defaults: a missing field or a
 * JSON {@code null} gives the default, a field of the wrong type is a {@link ConfigException} naming
 * the file and field.
 */
public final class JsonFields {
    /** Configs are small; a bigger file is not a config. */
    private static final long MAX_BYTES = 4 << 20;

    private final JsonObject obj;
    private final String source;

    public JsonFields(JsonObject obj, String source) {
        this.obj = obj;
        this.source = source;
    }

    /** Parses a JSON object file. */
    public static JsonFields read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new ConfigException(file.toString(), "is " + size + " bytes; a config file is at most " + MAX_BYTES + " — is this the right file?");
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static JsonFields parse(String json, String source) throws ConfigException {
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new ConfigException(source, "expected a JSON object, found " + kind(e));
            return new JsonFields(e.getAsJsonObject(), source);
        } catch (JsonParseException e) {
            throw new ConfigException(source, "is not valid JSON: " + e.getMessage());
        }
    }

    public String source() { return source; }
    public JsonObject json() { return obj; }

    public boolean has(String name) { return obj.has(name) && !obj.get(name).isJsonNull(); }

    public String string(String name, String def) throws ConfigException {
        if (!has(name)) return def;
        JsonElement e = obj.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw wrong(name, "a string", e);
        return e.getAsString();
    }

    public int integer(String name, int def) throws ConfigException {
        if (!has(name)) return def;
        JsonElement e = obj.get(name);
        double d = number(name, e);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw wrong(name, "an integer", e);
        return (int) d;
    }

    /** An integer or null (for optional fields such as {@code num_class_embeds}). */
    public Integer optInteger(String name) throws ConfigException { return has(name) ? integer(name, 0) : null; }

    public double number(String name, double def) throws ConfigException {
        return has(name) ? number(name, obj.get(name)) : def;
    }

    public Double optNumber(String name) throws ConfigException { return has(name) ? number(name, obj.get(name)) : null; }

    public boolean bool(String name, boolean def) throws ConfigException {
        if (!has(name)) return def;
        JsonElement e = obj.get(name);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw wrong(name, "true or false", e);
        return e.getAsBoolean();
    }

    /** A list of integers, or a single integer repeated {@code n} times (diffusers accepts both). */
    public int[] intOrList(String name, int n, int def) throws ConfigException {
        if (!has(name)) return repeat(def, n);
        JsonElement e = obj.get(name);
        if (e.isJsonPrimitive()) return repeat(integer(name, def), n);
        int[] v = ints(name, e);
        if (v.length != n) throw new ConfigException(source, "field '" + name + "' has " + v.length + " entries, expected " + n + " (one per block)");
        return v;
    }

    public int[] ints(String name, int[] def) throws ConfigException {
        return has(name) ? ints(name, obj.get(name)) : def == null ? null : def.clone();
    }

    public double[] numbers(String name) throws ConfigException {
        if (!has(name)) return null;
        JsonElement e = obj.get(name);
        if (!e.isJsonArray()) throw wrong(name, "a list of numbers", e);
        JsonArray a = e.getAsJsonArray();
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = number(name + "[" + i + "]", a.get(i));
        return v;
    }

    public List<String> strings(String name, List<String> def) throws ConfigException {
        if (!has(name)) return def;
        JsonElement e = obj.get(name);
        if (!e.isJsonArray()) throw wrong(name, "a list of strings", e);
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) throw wrong(name, "a list of strings", e);
            out.add(x.getAsString());
        }
        return List.copyOf(out);
    }

    /** A boolean or a list of booleans with {@code n} entries. */
    public boolean[] boolOrList(String name, int n, boolean def) throws ConfigException {
        boolean[] out = new boolean[n];
        if (!has(name)) { java.util.Arrays.fill(out, def); return out; }
        JsonElement e = obj.get(name);
        if (e.isJsonPrimitive()) { java.util.Arrays.fill(out, bool(name, def)); return out; }
        if (!e.isJsonArray() || e.getAsJsonArray().size() != n) throw wrong(name, "true/false or a list of " + n, e);
        for (int i = 0; i < n; i++) {
            JsonElement x = e.getAsJsonArray().get(i);
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isBoolean()) throw wrong(name, "true/false or a list of " + n, e);
            out[i] = x.getAsBoolean();
        }
        return out;
    }

    /** Fails when a field is present with a value other than the one codi4j implements. */
    public void requireAbsentOr(String name, Object supported, String what) throws ConfigException {
        if (!has(name)) return;
        JsonElement e = obj.get(name);
        JsonElement want = supported == null ? null : supported instanceof Number n ? new JsonPrimitive(n)
                : supported instanceof Boolean b ? new JsonPrimitive(b) : new JsonPrimitive(supported.toString());
        boolean same = want != null && (e.equals(want) || (e.isJsonPrimitive() && want.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()
                && want.getAsJsonPrimitive().isNumber() && e.getAsDouble() == want.getAsDouble()));
        if (!same) throw new ConfigException(source, "field '" + name + "' is " + e + "; codi4j supports only " + (supported == null ? "null" : supported) + " (" + what + ")");
    }

    public ConfigException error(String message) { return new ConfigException(source, message); }

    private double number(String name, JsonElement e) throws ConfigException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw wrong(name, "a number", e);
        return e.getAsDouble();
    }

    private int[] ints(String name, JsonElement e) throws ConfigException {
        if (!e.isJsonArray()) throw wrong(name, "a list of integers", e);
        JsonArray a = e.getAsJsonArray();
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            JsonElement x = a.get(i);
            double d = number(name + "[" + i + "]", x);
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw wrong(name + "[" + i + "]", "an integer", x);
            v[i] = (int) d;
        }
        return v;
    }

    private ConfigException wrong(String name, String expected, JsonElement found) {
        String f = found.toString();
        if (f.length() > 80) f = f.substring(0, 77) + "...";
        return new ConfigException(source, "field '" + name + "' should be " + expected + ", found " + f);
    }

    private static String kind(JsonElement e) {
        return e.isJsonArray() ? "an array" : e.isJsonNull() ? "null" : "a " + (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? "string" : "value");
    }

    private static int[] repeat(int v, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
