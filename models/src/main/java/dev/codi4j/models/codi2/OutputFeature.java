package dev.codi4j.models.codi2;

/**
 * A continuous output of the LLM: where the reply emitted an output marker, the last-layer hidden
 * state at the marker's final token, mapped by the output projector ({@code codi_llama_decode}) into
 * the encoder's space. Immutable.
 *
 * @param modality "image", "audio" or "video" (which marker was emitted)
 * @param tokenIndex index in {@link Reply#tokens()} of the marker's final token
 * @param vector the projected feature (1024-d for ImageBind-huge); copied
 */
public record OutputFeature(String modality, int tokenIndex, float[] vector) {
    public OutputFeature { vector = vector.clone(); }
    @Override public float[] vector() { return vector.clone(); }
}
