package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.media.Image;
import dev.codi4j.models.diffusion.schedulers.NoiseSource;
import dev.codi4j.tensor.Tensor;

/**
 * What to generate. Which fields matter depends on the pipeline's UNet:
 * <ul>
 *   <li>unCLIP (class-embedding UNet): {@link Builder#imageEmbedding} (any vector of the embedding
 *       width — an ImageBind audio embedding, a weighted mix, ...) or {@link Builder#image} (encoded by
 *       the pipeline's image encoder), {@link Builder#noiseLevel}; with neither, text only.</li>
 *   <li>InstructPix2Pix (UNet with latent + 4 input channels): {@link Builder#editImage},
 *       {@link Builder#imageGuidanceScale}.</li>
 *   <li>any pipeline: {@link Builder#initImage} + {@link Builder#strength} for img2img.</li>
 * </ul>
 * Width and height must be multiples of the VAE's factor (8); they default to the UNet's
 * {@code sample_size} × 8, or to the edit/init image's size.
 */
public record GenerationRequest(String prompt, String negativePrompt, Tensor promptEmbeds, Tensor negativePromptEmbeds,
        int numImages, Integer width, Integer height, int steps, float guidanceScale, float imageGuidanceScale, long seed,
        float[] imageEmbedding, Image image, int noiseLevel, Image initImage, float strength, Image editImage,
        float eta, float[] latents, NoiseSource noise, boolean vaeTiling) {

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompt = prompt; b.negativePrompt = negativePrompt; b.promptEmbeds = promptEmbeds; b.negativePromptEmbeds = negativePromptEmbeds;
        b.numImages = numImages; b.width = width; b.height = height; b.steps = steps; b.guidanceScale = guidanceScale;
        b.imageGuidanceScale = imageGuidanceScale; b.seed = seed; b.imageEmbedding = imageEmbedding; b.image = image; b.noiseLevel = noiseLevel;
        b.initImage = initImage; b.strength = strength; b.editImage = editImage; b.eta = eta; b.latents = latents; b.noise = noise; b.vaeTiling = vaeTiling;
        return b;
    }

    /** Defaults follow diffusers: 50 steps, guidance 7.5 (10 for unCLIP is set by the CLI), image guidance 1.5, strength 0.8. */
    public static final class Builder {
        private String prompt = "", negativePrompt;
        private Tensor promptEmbeds, negativePromptEmbeds;
        private int numImages = 1, steps = 50, noiseLevel;
        private Integer width, height;
        private float guidanceScale = 7.5f, imageGuidanceScale = 1.5f, strength = 0.8f, eta;
        private long seed;
        private float[] imageEmbedding, latents;
        private Image image, initImage, editImage;
        private NoiseSource noise;
        private boolean vaeTiling;

        public Builder prompt(String p) { this.prompt = p == null ? "" : p; return this; }
        /** What to steer away from; "" (diffusers' default) when null. */
        public Builder negativePrompt(String p) { this.negativePrompt = p; return this; }
        /** Precomputed (1, tokens, D) text conditioning, instead of running the text encoder on the prompt. */
        public Builder promptEmbeds(Tensor t) { this.promptEmbeds = t; return this; }
        public Builder negativePromptEmbeds(Tensor t) { this.negativePromptEmbeds = t; return this; }
        public Builder numImages(int n) { this.numImages = n; return this; }
        public Builder size(int width, int height) { this.width = width; this.height = height; return this; }
        public Builder steps(int n) { this.steps = n; return this; }
        public Builder guidanceScale(float g) { this.guidanceScale = g; return this; }
        /** InstructPix2Pix: how closely to follow the input image (diffusers' image_guidance_scale). */
        public Builder imageGuidanceScale(float g) { this.imageGuidanceScale = g; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        /** unCLIP: the conditioning vector(s), 1 × D or numImages × D values. */
        public Builder imageEmbedding(float[] e) { this.imageEmbedding = e == null ? null : e.clone(); return this; }
        /** unCLIP: an image to embed with the pipeline's image encoder (image variation). */
        public Builder image(Image i) { this.image = i; return this; }
        /** unCLIP: noise added to the image embedding (0 … 1000; 0 = closest to the image). */
        public Builder noiseLevel(int n) { this.noiseLevel = n; return this; }
        /** img2img: start from this image noised to {@code strength} (1 = ignore it entirely). */
        public Builder initImage(Image i) { this.initImage = i; return this; }
        public Builder strength(float s) { this.strength = s; return this; }
        /** InstructPix2Pix: the image to edit (its latents are concatenated to the noise). */
        public Builder editImage(Image i) { this.editImage = i; return this; }
        /** DDIM's η (0 = deterministic). */
        public Builder eta(float e) { this.eta = e; return this; }
        /** Initial latents (numImages × C × h × w), unscaled standard-normal, instead of drawing them. */
        public Builder latents(float[] l) { this.latents = l == null ? null : l.clone(); return this; }
        /** Where all random draws come from (default: the seeded generator); tests inject recorded noise. */
        public Builder noise(NoiseSource n) { this.noise = n; return this; }
        /** Decode in overlapping tiles (bounded memory for large images; slightly different pixels, as in diffusers). */
        public Builder vaeTiling(boolean t) { this.vaeTiling = t; return this; }

        public GenerationRequest build() {
            if (numImages < 1 || numImages > 64) throw new IllegalArgumentException("number of images must be in [1, 64], got " + numImages);
            if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must be in [1, 1000], got " + steps);
            if (!(guidanceScale >= 0) || guidanceScale > 100) throw new IllegalArgumentException("guidance scale must be in [0, 100], got " + guidanceScale);
            if (!(imageGuidanceScale >= 0) || imageGuidanceScale > 100) throw new IllegalArgumentException("image guidance scale must be in [0, 100], got " + imageGuidanceScale);
            if (!(strength > 0) || strength > 1) throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
            if (noiseLevel < 0) throw new IllegalArgumentException("noise level must be ≥ 0, got " + noiseLevel);
            if (!(eta >= 0) || eta > 1) throw new IllegalArgumentException("eta must be in [0, 1], got " + eta);
            if (image != null && imageEmbedding != null) throw new IllegalArgumentException("give an image or an image embedding, not both");
            return new GenerationRequest(prompt, negativePrompt, promptEmbeds, negativePromptEmbeds, numImages, width, height, steps,
                    guidanceScale, imageGuidanceScale, seed, imageEmbedding, image, noiseLevel, initImage, strength, editImage, eta, latents, noise, vaeTiling);
        }
    }
}
