/**
 * CLIP-family transformers: one pre-LN block stack ({@link dev.codi4j.models.clip.ClipTransformer})
 * that reads HF transformers names and ImageBind's {@code SimpleTransformer} names, and on it HF's
 * {@code CLIPTextModel(WithProjection)} and {@code CLIPVisionModelWithProjection} (Stable Diffusion's
 * text encoders, SD 2.1-unCLIP's image encoder). ImageBind's towers in
 * {@link dev.codi4j.models.imagebind} use the same blocks.
 */
package dev.codi4j.models.clip;
