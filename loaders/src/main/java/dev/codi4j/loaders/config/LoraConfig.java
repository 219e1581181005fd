package dev.codi4j.loaders.config;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT LoRA adapter's {@code adapter_config.json}: W' = W + scale·B·A with scale = alpha/r
 * (alpha/√r with rsLoRA). Dropout only acts in training and is ignored.
 *
 * @param targetModules module names (matched as the last component of a module path), or null when
 *     {@code targetModulesRegex} is used
 * @param targetModulesRegex PEFT's string form of {@code target_modules}: a regex matched against the
 *     whole module path; null when a list was given
 */
public record LoraConfig(int r, double loraAlpha, List<String> targetModules, String targetModulesRegex, boolean fanInFanOut,
        boolean useRslora, String baseModelNameOrPath) {

    public LoraConfig {
        targetModules = targetModules == null ? null : List.copyOf(targetModules);
        if (r <= 0) throw new IllegalArgumentException("LoRA rank r must be positive, is " + r);
    }

    /** The factor multiplying B·A. */
    public double scale() { return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r; }

    /** Whether the adapter targets the module at {@code modulePath} (e.g. {@code model.layers.0.self_attn.q_proj}). */
    public boolean targets(String modulePath) {
        if (targetModulesRegex != null) return Pattern.compile(targetModulesRegex).matcher(modulePath).matches();
        for (String t : targetModules) if (modulePath.equals(t) || modulePath.endsWith("." + t)) return true;
        return false;
    }

    public static LoraConfig fromJson(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static LoraConfig parse(String json, String source) throws FormatException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) throw new FormatException(source, "is not a JSON object");
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new FormatException(source, "is not valid JSON: " + e.getMessage(), e);
        }
        String type = str(o, "peft_type", "LORA");
        if (!type.equalsIgnoreCase("LORA")) throw new FormatException(source, "is a PEFT '" + type + "' adapter; codi4j loads LORA adapters only");
        if (bool(o, "use_dora", false, source)) throw new FormatException(source, "is a DoRA adapter (use_dora=true), which codi4j does not implement; merge it with PEFT and load the merged model");
        String bias = str(o, "bias", "none");
        if (!bias.equals("none")) throw new FormatException(source, "trains biases (bias='" + bias + "'), which codi4j does not load; merge the adapter with PEFT's merge_and_unload()");
        for (String k : new String[] {"rank_pattern", "alpha_pattern"}) {
            JsonElement e = o.get(k);
            if (e != null && e.isJsonObject() && !e.getAsJsonObject().isEmpty())
                throw new FormatException(source, "sets per-module ranks or alphas ('" + k + "'), which codi4j does not support yet");
        }
        JsonElement save = o.get("modules_to_save");
        if (save != null && save.isJsonArray() && !save.getAsJsonArray().isEmpty())
            throw new FormatException(source, "also saves full modules " + save + " (modules_to_save), which codi4j does not load; merge the adapter with PEFT's merge_and_unload()");
        JsonElement rEl = o.get("r");
        if (rEl == null || !rEl.isJsonPrimitive()) throw new FormatException(source, "has no rank 'r'");
        int r;
        double alpha;
        try {
            r = rEl.getAsInt();
            JsonElement a = o.get("lora_alpha");
            alpha = a == null || a.isJsonNull() ? r : a.getAsDouble();
        } catch (RuntimeException e) {
            throw new FormatException(source, "'r' and 'lora_alpha' must be numbers");
        }
        List<String> modules = null;
        String regex = null;
        JsonElement t = o.get("target_modules");
        if (t == null || t.isJsonNull()) throw new FormatException(source, "has no 'target_modules'");
        if (t.isJsonArray()) {
            modules = new ArrayList<>();
            for (JsonElement e : (JsonArray) t) modules.add(e.getAsString());
        } else {
            regex = t.getAsString();
            try { Pattern.compile(regex); } catch (PatternSyntaxException e) { throw new FormatException(source, "target_modules '" + regex + "' is not a valid regular expression"); }
        }
        try {
            return new LoraConfig(r, alpha, modules, regex, bool(o, "fan_in_fan_out", false, source), bool(o, "use_rslora", false, source),
                    str(o, "base_model_name_or_path", null));
        } catch (IllegalArgumentException e) {
            throw new FormatException(source, e.getMessage());
        }
    }

    private static String str(JsonObject o, String k, String dflt) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    private static boolean bool(JsonObject o, String k, boolean dflt, String source) throws FormatException {
        JsonElement e = o.get(k);
        if (e == null || e.isJsonNull()) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw new FormatException(source, "'" + k + "' should be true or false, found " + e);
        return e.getAsBoolean();
    }
}
