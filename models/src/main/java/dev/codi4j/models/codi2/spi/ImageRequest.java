package dev.codi4j.models.codi2.spi;

import dev.codi4j.loaders.media.Image;

/**
 * What the image decoder is asked to paint. The defaults ({@link #defaults}) are those of CoDi-2's
 * {@code generate_image}: SD2.1-unCLIP-h with the embedding noise-augmented at level 500 (half of
 * the augmentor's 1000), the cross-attention text set to the "negative-style" prompt for both the
 * conditional and the unconditional branch, a zero embedding for the unconditional branch, DDIM with
 * 50 steps and eta 0, guidance 7.5, 768×768.
 *
 * @param embedding the 1024-d ImageBind-space vector (the output projector's result, or an
 *     ImageBind embedding in ImageBind-direct mode); copied
 * @param crossAttentionPrompt text for the UNet's cross-attention, used for both guidance branches
 * @param noiseLevel noise-augmentation level of the embedding, 0..999
 * @param steps DDIM steps
 * @param guidanceScale classifier-free guidance on the embedding (and text, InstructPix2Pix-style when editing)
 * @param eta DDIM eta (0 = deterministic)
 * @param width output width in pixels, a multiple of 8
 * @param height output height in pixels, a multiple of 8
 * @param seed seeds the initial latent noise and the embedding's augmentation noise
 * @param editSource for an edit: the raw input image whose VAE latents are concatenated to the noise
 *     (InstructPix2Pix-style), or null for plain generation
 * @param imageGuidanceScale the image guidance scale of an edit by concatenated latents (ignored without {@code editSource})
 * @param editStrength for decoders that edit by img2img instead (the public SD2.1-unCLIP, whose UNet
 *     takes no concatenated latents): how far the input image is noised, 0 < s ≤ 1 (1 ignores it)
 */
public record ImageRequest(float[] embedding, String crossAttentionPrompt, int noiseLevel, int steps, float guidanceScale, float eta,
        int width, int height, long seed, Image editSource, float imageGuidanceScale, float editStrength) {

    /** CoDi-2's cross-attention text, verbatim from {@code openllama.generate_image}. */
    public static final String CODI2_CROSS_ATTENTION_PROMPT =
            "longbody, lowres, bad anatomy, bad hands, missing fingers, extra digit, fewer digits, cropped, worst quality, low quality";

    public ImageRequest {
        embedding = embedding.clone();
        if (noiseLevel < 0 || noiseLevel > 999) throw new IllegalArgumentException("noise level must be in 0..999, is " + noiseLevel);
        if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must be in 1..1000, is " + steps);
        if (width < 8 || height < 8 || width % 8 != 0 || height % 8 != 0)
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be a positive multiple of 8 in each direction");
        if (!(eta >= 0)) throw new IllegalArgumentException("eta must be ≥ 0, is " + eta);
        if (crossAttentionPrompt == null) crossAttentionPrompt = "";
        if (!(editStrength > 0 && editStrength <= 1)) throw new IllegalArgumentException("edit strength must be in (0, 1], is " + editStrength);
    }

    @Override public float[] embedding() { return embedding.clone(); }

    /** CoDi-2's settings for {@code embedding}. */
    public static ImageRequest defaults(float[] embedding, long seed) {
        return new ImageRequest(embedding, CODI2_CROSS_ATTENTION_PROMPT, 500, 50, 7.5f, 0f, 768, 768, seed, null, 1.5f, 0.75f);
    }

    public boolean isEdit() { return editSource != null; }

    public ImageRequest withEditSource(Image source, float imageGuidance) {
        return new ImageRequest(embedding, crossAttentionPrompt, noiseLevel, steps, guidanceScale, eta, width, height, seed, source, imageGuidance, editStrength);
    }

    public ImageRequest withSeed(long s) {
        return new ImageRequest(embedding, crossAttentionPrompt, noiseLevel, steps, guidanceScale, eta, width, height, s, editSource, imageGuidanceScale, editStrength);
    }
}
