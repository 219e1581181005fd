package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Creates schedulers from diffusers configs. */
public final class Schedulers {
    private Schedulers() {}

    /** Short names accepted on the command line, mapped to diffusers class names. */
    public static final Map<String, String> ALIASES = Map.of(
            "ddim", "DDIMScheduler", "ddpm", "DDPMScheduler", "euler", "EulerDiscreteScheduler",
            "euler_a", "EulerAncestralDiscreteScheduler", "dpm++2m", "DPMSolverMultistepScheduler",
            "dpm++2m-karras", "DPMSolverMultistepScheduler", "pndm", "PNDMScheduler");

    /** The diffusers classes implemented. */
    public static final Set<String> SUPPORTED = Set.of("DDIMScheduler", "DDPMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "PNDMScheduler");

    /**
     * The scheduler for a config.
     * @throws IllegalArgumentException naming the setting codi4j does not implement
     */
    public static Scheduler create(SchedulerConfig c) {
        String cls = c._class_name();
        if (!SUPPORTED.contains(cls)) throw new IllegalArgumentException("scheduler '" + cls + "' is not supported; use one of " + new TreeSet<>(SUPPORTED) + " (or an alias: " + new TreeSet<>(ALIASES.keySet()) + ")");
        if (c.thresholding()) throw new IllegalArgumentException("dynamic thresholding (thresholding: true) is not implemented; set it to false");
        return switch (cls) {
            case "DDIMScheduler" -> new DDIMScheduler(c);
            case "DDPMScheduler" -> new DDPMScheduler(c);
            case "EulerDiscreteScheduler" -> new EulerDiscreteScheduler(c);
            case "EulerAncestralDiscreteScheduler" -> new EulerAncestralDiscreteScheduler(c);
            case "DPMSolverMultistepScheduler" -> new DPMSolverMultistepScheduler(c);
            default -> new PNDMScheduler(c);
        };
    }

    /**
     * Reads {@code scheduler_config.json} and creates its scheduler, or another one configured from it
     * ({@code choice} a class name or an alias such as "euler_a"; null keeps the file's class) — what
     * {@code SomeScheduler.from_config(pipe.scheduler.config)} does in diffusers.
     */
    public static Scheduler fromFile(Path file, String choice) throws IOException {
        return fromJson(ConfigJson.read(file), choice);
    }

    public static Scheduler fromJson(ConfigJson json, String choice) throws FormatException {
        String cls = null;
        boolean karras = false;
        if (choice != null) {
            String key = choice.toLowerCase(Locale.ROOT);
            cls = ALIASES.getOrDefault(key, choice);
            karras = key.endsWith("-karras");
            if (!SUPPORTED.contains(cls)) throw new FormatException(json.source(), "cannot make scheduler '" + choice + "' from it; choose one of " + new TreeSet<>(ALIASES.keySet()) + " or a diffusers class name in " + new TreeSet<>(SUPPORTED));
        }
        SchedulerConfig c = SchedulerConfig.from(json, cls);
        if (karras) c = c.withKarrasSigmas();
        try {
            return create(c);
        } catch (IllegalArgumentException e) {
            throw new FormatException(json.source(), e.getMessage());
        }
    }
}
