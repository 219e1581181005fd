package dev.codi4j.models.codi2.components;

import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.ImageRequest;
import dev.codi4j.models.diffusion.pipelines.ClipTextEncoder;
import dev.codi4j.models.diffusion.pipelines.DiffusionPipeline;
import dev.codi4j.models.diffusion.pipelines.GenerationRequest;
import dev.codi4j.models.diffusion.pipelines.TextEncoder;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Stable Diffusion 2.1-unCLIP-h (a diffusers folder such as {@code stabilityai/stable-diffusion-2-1-unclip})
 * in CoDi-2's image-decoder role, over {@link DiffusionPipeline}: the request's embedding becomes the
 * noise-augmented class label, its cross-attention prompt conditions both guidance branches (CoDi-2's
 * {@code c} and {@code uc} share {@code c_crossattn}), the unconditional label is zeros. diffusers'
 * DDIM with {@code steps_offset=1} walks the same timesteps as ldm's {@code DDIMSampler} that CoDi-2
 * calls (1, 21, …, 981 for 50 steps) with the same final alpha.
 *
 * <p>Edits: the public unCLIP UNet takes no concatenated image latents (CoDi-2's editing decoder was
 * trained with them and is unpublished), so an edit here is img2img — the input image's latents
 * noised to {@link ImageRequest#editStrength()} and denoised under the embedding.
 *
 * <p>Not thread-safe; CoDi-2 calls it under its model lock.
 */
public final class UnClipImageDecoder implements ImageDecoder {
    private final DiffusionPipeline pipeline;
    private final Backend b;
    private final TextEncoder text;
    private final AutoCloseable textResources;
    private final Map<String, Tensor> promptCache = new java.util.HashMap<>();
    private final String name;

    private UnClipImageDecoder(DiffusionPipeline pipeline, Backend b, TextEncoder text, AutoCloseable textResources, String name) {
        this.pipeline = pipeline;
        this.b = b;
        this.text = text;
        this.textResources = textResources;
        this.name = name;
        if (pipeline.kind() != DiffusionPipeline.Kind.UNCLIP)
            throw new IllegalArgumentException(name + " is a " + pipeline.kind() + " pipeline, not unCLIP: its UNet takes no image embedding (class_embed_type is unset); "
                    + "CoDi-2 needs stabilityai/stable-diffusion-2-1-unclip or another embedding-conditioned UNet");
    }

    /** Loads a diffusers unCLIP folder with its {@code text_encoder/} and {@code tokenizer/}. */
    public static UnClipImageDecoder load(Path folder, Backend b) throws IOException {
        if (!Files.isDirectory(folder.resolve("tokenizer")) || !Files.isDirectory(folder.resolve("text_encoder")))
            throw new IllegalArgumentException(folder + " lacks tokenizer/ or text_encoder/; CoDi-2's cross-attention prompt needs SD 2.1's OpenCLIP-H text encoder");
        ClipTextEncoder te = ClipTextEncoder.load(b, ModelFolder.of(folder), null);
        try {
            return load(folder, b, te, te);
        } catch (IOException | RuntimeException e) {
            te.close();
            throw e;
        }
    }

    /**
     * Loads the UNet, VAE and noise augmentation of a diffusers unCLIP folder with a given text
     * encoder; {@code textResources} (may be null) is closed with the decoder.
     */
    public static UnClipImageDecoder load(Path folder, Backend b, TextEncoder text, AutoCloseable textResources) throws IOException {
        DiffusionPipeline p = DiffusionPipeline.load(b, ModelFolder.of(folder), DiffusionPipeline.Options.defaults().withTextEncoder(text));
        try {
            return new UnClipImageDecoder(p, b, text, textResources, folder.getFileName() == null ? folder.toString() : folder.getFileName().toString());
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    @Override public int embeddingDim() { return pipeline.embeddingSize(); }

    @Override public boolean supportsEditing() { return true; }

    /** The diffusion request CoDi-2's {@code generate_image} amounts to. */
    public GenerationRequest toGenerationRequest(ImageRequest r) {
        Tensor ctx = promptCache.computeIfAbsent(r.crossAttentionPrompt(), s -> text.encode(b, List.of(s)));
        GenerationRequest.Builder g = GenerationRequest.builder()
                .promptEmbeds(ctx).negativePromptEmbeds(ctx)       // the same text for c and uc
                .imageEmbedding(r.embedding()).noiseLevel(r.noiseLevel())
                .steps(r.steps()).guidanceScale(r.guidanceScale()).eta(r.eta()).size(r.width(), r.height()).seed(r.seed());
        if (r.isEdit()) g.initImage(r.editSource()).strength(r.editStrength());
        return g.build();
    }

    @Override public Image generate(ImageRequest r, Progress progress, BooleanSupplier cancelled) {
        var result = pipeline.generate(toGenerationRequest(r), (step, total, ts, latents) -> {
            progress.step(step, total);
            return !cancelled.getAsBoolean();
        });
        return result.images().getFirst();
    }

    @Override public String describe() { return "SD2.1-unCLIP (" + name + ", " + embeddingDim() + "-d)"; }

    @Override public void close() {
        pipeline.close();
        if (textResources != null) {
            try { textResources.close(); } catch (Exception e) { throw new IllegalStateException("closing the text encoder of " + name + " failed: " + e.getMessage(), e); }
        }
    }
}
