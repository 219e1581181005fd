package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.ConfigException;
import dev.codi4j.loaders.config.JsonFields;
import dev.codi4j.loaders.config.SchedulerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Creates schedulers from diffusers configs. */
public final class Schedulers {
    private Schedulers() {}

    /** Short names accepted on the command line, mapped to diffusers class names. */
    public static final Map<String, String> ALIASES = Map.of(
            "ddim", "DDIMScheduler", "ddpm", "DDPMScheduler", "euler", "EulerDiscreteScheduler",
            "euler_a", "EulerAncestralDiscreteScheduler", "dpm++2m", "DPMSolverMultistepScheduler",
            "dpm++2m-karras", "DPMSolverMultistepScheduler", "pndm", "PNDMScheduler");

    public static Scheduler create(SchedulerConfig c) {
        return switch (c.className()) {
            case "DDIMScheduler" -> new DDIMScheduler(c);
            case "DDPMScheduler" -> new DDPMScheduler(c);
            case "EulerDiscreteScheduler" -> new EulerDiscreteScheduler(c);
            case "EulerAncestralDiscreteScheduler" -> new EulerAncestralDiscreteScheduler(c);
            case "DPMSolverMultistepScheduler" -> new DPMSolverMultistepScheduler(c);
            case "PNDMScheduler" -> new PNDMScheduler(c);
            default -> throw new IllegalArgumentException("scheduler '" + c.className() + "' is not supported; use one of " + SchedulerConfig.SUPPORTED);
        };
    }

    /**
     * Reads {@code scheduler_config.json} and creates its scheduler, or another one configured from it
     * ({@code choice} a class name or an alias such as "euler_a"; null keeps the file's class) — what
     * {@code SomeScheduler.from_config(pipe.scheduler.config)} does in diffusers.
     */
    public static Scheduler fromFile(Path file, String choice) throws IOException {
        return fromJson(JsonFields.read(file), choice);
    }

    public static Scheduler fromJson(JsonFields json, String choice) throws ConfigException {
        String cls = null;
        boolean karras = false;
        if (choice != null) {
            String key = choice.toLowerCase(Locale.ROOT);
            cls = ALIASES.getOrDefault(key, choice);
            karras = key.endsWith("-karras");
            if (!SchedulerConfig.SUPPORTED.contains(cls)) throw json.error("unknown scheduler '" + choice + "'; choose one of " + new java.util.TreeSet<>(ALIASES.keySet()) + " or a diffusers class name");
        }
        SchedulerConfig c = SchedulerConfig.parse(json, cls);
        if (karras) c = withKarras(c);
        return create(c);
    }

    static SchedulerConfig withKarras(SchedulerConfig c) {
        return new SchedulerConfig(c.className(), c.numTrainTimesteps(), c.betaStart(), c.betaEnd(), c.betaSchedule(), c.trainedBetas(),
                c.predictionType(), c.timestepSpacing(), c.stepsOffset(), c.clipSample(), c.clipSampleRange(), c.setAlphaToOne(),
                c.varianceType(), c.rescaleBetasZeroSnr(), true, c.solverOrder(), c.algorithmType(), c.solverType(),
                c.lowerOrderFinal(), c.eulerAtFinal(), c.finalSigmasType(), c.lambdaMinClipped(), c.skipPrkSteps(),
                c.interpolationType(), c.timestepType(), c.sigmaMin(), c.sigmaMax());
    }
}
