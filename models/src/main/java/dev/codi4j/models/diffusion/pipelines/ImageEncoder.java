package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.media.Image;
import dev.codi4j.tensor.Backend;

/**
 * Image → the embedding unCLIP is conditioned on: SD 2.1-unCLIP's {@code image_encoder}
 * (CLIPVisionModelWithProjection, OpenCLIP ViT-H/14, {@code image_embeds} after the projection,
 * preprocessed by {@code feature_extractor}), or ImageBind's vision tower, whose space it shares.
 */
public interface ImageEncoder {
    /** The projected embedding of one RGB image (length {@link #embeddingSize()}). */
    float[] embed(Backend b, Image image);

    int embeddingSize();
}
