package dev.codi4j.cli;

import dev.codi4j.models.diffusion.pipelines.DiffusionPipeline;
import dev.codi4j.models.diffusion.pipelines.GenerationRequest;
import dev.codi4j.tensor.Backend;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j edit}: instruction-based editing with an InstructPix2Pix model: the input image's
 * latents are concatenated to the noise, and two guidance scales weigh the instruction and the image.
 */
@Command(name = "edit", mixinStandardHelpOptions = true,
        description = {"Edit an image by instruction (InstructPix2Pix: the image's latents ride along the noise; text and image guidance).",
                "Higher --guidance follows the instruction more; higher --image-guidance stays closer to the input."},
        footer = {"", "Example:", "  codi4j edit -m timbrooks/instruct-pix2pix -i street.png -p 'make it snow' --image-guidance 1.5 --seed 7"})
public final class EditCommand implements CliCommand, Callable<Integer> {
    @Mixin DiffusionOptions opts;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--image"}, required = true, paramLabel = "FILE", description = "The image to edit (resized to a multiple of 8 if needed)")
    Path image;

    @Option(names = "--image-guidance", paramLabel = "G", defaultValue = "1.5", description = "Image guidance scale (≥ 1 for guidance; default: ${DEFAULT-VALUE})")
    float imageGuidance;

    @Override public int order() { return 51; }

    @Override public Integer call() throws Exception {
        if (opts.prompt.isBlank()) throw new IllegalArgumentException("--prompt: say what to change, e.g. -p 'make it snow'");
        try (Backend b = opts.backend(); DiffusionPipeline p = opts.open(b)) {
            if (p.kind() != DiffusionPipeline.Kind.INSTRUCT_PIX2PIX)
                throw new IllegalArgumentException("--model " + opts.model + " is not an InstructPix2Pix model (its UNet takes " + p.unet().config().in_channels()
                        + " channels, not 8); try timbrooks/instruct-pix2pix, or 'codi4j image --image ... --strength' for img2img");
            GenerationRequest.Builder r = opts.request(p).editImage(DiffusionOptions.readImage(image)).imageGuidanceScale(imageGuidance);
            opts.run(p, r.build(), spec.commandLine().getErr());
        }
        return 0;
    }
}
