package dev.codi4j.models.codi2;

import dev.codi4j.models.codi2.spi.ImageRequest;

/**
 * How output features become pictures. The defaults are CoDi-2's {@code generate_image}: noise level
 * 500 (= {@code max_noise_level · 0.5}), the negative-style cross-attention prompt for both guidance
 * branches, DDIM 50 steps with eta 0, guidance 7.5, 768×768.
 *
 * @param edit when the raw input image is concatenated to the noise (InstructPix2Pix-style editing,
 *     described in the paper; the released code has no editing path)
 * @param imageGuidance the image guidance scale of an edit by concatenated latents
 * @param editStrength the img2img strength of an edit by decoders without concatenated latents
 *     (the public SD2.1-unCLIP): lower keeps more of the input
 */
public record ImageSettings(int steps, float guidance, int noiseLevel, int width, int height, float eta, String crossAttentionPrompt,
        EditMode edit, float imageGuidance, float editStrength) {

    /** When an image output edits an input image instead of being painted from scratch. */
    public enum EditMode {
        /** Edit when the turn's prompt holds exactly one image (an instruction about it); several images are in-context examples. */
        AUTO,
        /** Always edit the last image of the turn's prompt, if any. */
        ALWAYS,
        /** Never: every image is painted from its embedding alone (CoDi-2's released code). */
        NEVER;

        public static EditMode parse(String s) {
            return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "auto" -> AUTO;
                case "always", "on", "true" -> ALWAYS;
                case "never", "off", "false" -> NEVER;
                default -> throw new IllegalArgumentException("unknown edit mode '" + s + "'; expected auto, always or never");
            };
        }
    }

    public ImageSettings {
        if (crossAttentionPrompt == null) crossAttentionPrompt = "";
        if (edit == null) edit = EditMode.AUTO;
        // validates ranges the same way the request does
        new ImageRequest(new float[1], crossAttentionPrompt, noiseLevel, steps, guidance, eta, width, height, 0, null, imageGuidance, editStrength);
    }

    public static ImageSettings defaults() {
        return new ImageSettings(50, 7.5f, 500, 768, 768, 0f, ImageRequest.CODI2_CROSS_ATTENTION_PROMPT, EditMode.AUTO, 1.5f, 0.75f);
    }

    public ImageSettings withSteps(int s) { return new ImageSettings(s, guidance, noiseLevel, width, height, eta, crossAttentionPrompt, edit, imageGuidance, editStrength); }
    public ImageSettings withSize(int w, int h) { return new ImageSettings(steps, guidance, noiseLevel, w, h, eta, crossAttentionPrompt, edit, imageGuidance, editStrength); }
    public ImageSettings withGuidance(float g) { return new ImageSettings(steps, g, noiseLevel, width, height, eta, crossAttentionPrompt, edit, imageGuidance, editStrength); }
    public ImageSettings withEdit(EditMode e, float imageGuidance) { return new ImageSettings(steps, guidance, noiseLevel, width, height, eta, crossAttentionPrompt, e, imageGuidance, editStrength); }
    public ImageSettings withEditStrength(float s) { return new ImageSettings(steps, guidance, noiseLevel, width, height, eta, crossAttentionPrompt, edit, imageGuidance, s); }
    public ImageSettings withNoiseLevel(int n) { return new ImageSettings(steps, guidance, n, width, height, eta, crossAttentionPrompt, edit, imageGuidance, editStrength); }

    /** The decoder request for {@code embedding}. */
    public ImageRequest request(float[] embedding, long seed) {
        return new ImageRequest(embedding, crossAttentionPrompt, noiseLevel, steps, guidance, eta, width, height, seed, null, imageGuidance, editStrength);
    }
}
