package dev.codi4j.cli;

import dev.codi4j.models.codi2.CoDi2Config;
import dev.codi4j.models.codi2.GenerationSettings;
import dev.codi4j.models.codi2.ImageSettings;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options the CoDi-2 commands share (a picocli mixin): where the model is, and generation overrides. */
final class Codi2Options {
    @Option(names = {"-c", "--config"}, paramLabel = "JSON", description = "The codi2.json naming the model's parts (see docs/codi2.md)")
    Path config;

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", description = "Backend: cpu, reference, ... (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--seed", paramLabel = "N", description = "Seed for sampling and painting (default: the config's)")
    Long seed;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Longest reply in tokens (default: the config's)")
    Integer maxTokens;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature; 0 = greedy (default: the config's)")
    Float temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling mass (default: the config's)")
    Float topP;

    @Option(names = "--steps", paramLabel = "N", description = "Diffusion steps per image (default: the config's; CoDi-2 uses 50)")
    Integer steps;

    @Option(names = "--size", paramLabel = "PX", description = "Image width and height, a multiple of 8 (default: the config's; CoDi-2 uses 768)")
    Integer size;

    @Option(names = "--guidance", paramLabel = "G", description = "Classifier-free guidance scale (default: the config's; CoDi-2 uses 7.5)")
    Float guidance;

    @Option(names = "--edit", paramLabel = "MODE", description = "When an output image edits an input image: auto, always, never (default: the config's)")
    String edit;

    @Option(names = "--image-guidance", paramLabel = "G", description = "Image guidance scale of edits (default: the config's)")
    Float imageGuidance;

    @Option(names = "--ctx", paramLabel = "N", description = "Context window in positions (tokens + media rows; default: the config's)")
    Integer ctx;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or loading messages")
    boolean quiet;

    /** The config with the command-line overrides applied. */
    CoDi2Config read() throws IOException {
        if (config == null) throw new IllegalArgumentException("--config is required: the codi2.json that names the model's parts (or run 'codi4j demo' first and use its codi2.json)");
        return apply(CoDi2Config.read(config));
    }

    CoDi2Config apply(CoDi2Config c) {
        GenerationSettings g = c.generation();
        if (seed != null) g = g.withSeed(seed);
        if (maxTokens != null) g = g.withMaxNewTokens(maxTokens);
        if (temperature != null) g = g.withTemperature(temperature);
        if (topP != null) g = g.withTopP(topP);
        ImageSettings s = c.image();
        if (steps != null) s = s.withSteps(steps);
        if (size != null) s = s.withSize(size, size);
        if (guidance != null) s = s.withGuidance(guidance);
        if (edit != null || imageGuidance != null)
            s = s.withEdit(edit == null ? s.edit() : ImageSettings.EditMode.parse(edit), imageGuidance == null ? s.imageGuidance() : imageGuidance);
        c = c.withGeneration(g).withImage(s);
        return ctx == null ? c : c.withContextLength(ctx);
    }
}
