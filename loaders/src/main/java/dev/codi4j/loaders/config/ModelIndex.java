package dev.codi4j.loaders.config;

import com.google.gson.JsonElement;
import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A diffusers pipeline's {@code model_index.json}: the pipeline class and, per component folder
 * ({@code unet}, {@code vae}, {@code scheduler}, ...), the library and class that loads it.
 * Components set to {@code [null, null]} (absent, e.g. no safety checker) are left out.
 */
public record ModelIndex(String className, String diffusersVersion, Map<String, Component> components) {

    /** One component entry: {@code "unet": ["diffusers", "UNet2DConditionModel"]}. */
    public record Component(String library, String className) {}

    public static ModelIndex load(Path json) throws IOException { return from(ConfigJson.read(json)); }

    public static ModelIndex from(ConfigJson c) throws FormatException {
        String cls = c.reqString("_class_name");
        Map<String, Component> comps = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : c.json().entrySet()) {
            if (e.getKey().startsWith("_")) continue;
            JsonElement v = e.getValue();
            if (!v.isJsonArray()) continue; // options such as requires_safety_checker
            var a = v.getAsJsonArray();
            if (a.size() != 2) throw new FormatException(c.source(), "component \"" + e.getKey() + "\" should be [library, class], found " + v);
            if (a.get(0).isJsonNull() || a.get(1).isJsonNull()) continue;
            if (!a.get(0).isJsonPrimitive() || !a.get(1).isJsonPrimitive()) throw new FormatException(c.source(), "component \"" + e.getKey() + "\" should be two strings, found " + v);
            comps.put(e.getKey(), new Component(a.get(0).getAsString(), a.get(1).getAsString()));
        }
        return new ModelIndex(cls, c.optString("_diffusers_version", null), Collections.unmodifiableMap(comps));
    }

    public boolean has(String component) { return components.containsKey(component); }
}
