package dev.codi4j.models.codi2.spi;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.tensor.Tensor;

/**
 * The encoder role in CoDi-2: ImageBind-huge, or a stand-in with the same contract. Every result is
 * a new host F32 tensor owned by the caller. The vectors live in one shared space of
 * {@link #dim()} features (1024 for ImageBind-huge).
 *
 * <p>What each method returns is pinned to what CoDi-2's official code feeds its projector, because
 * the projector weights were trained on exactly that:
 * <ul>
 *   <li>{@link #imageTokens}: CoDi-2's modified ImageBind, whose vision head keeps the whole token
 *   sequence ({@code SelectElement(index=0)} commented out): the trunk output after the head's
 *   LayerNorm and Linear(1280→1024), CLS first, not normalised. Row 0 is the usual (unnormalised)
 *   ImageBind image embedding, which is also OpenCLIP ViT-H/14's image embedding.</li>
 *   <li>{@link #audioEmbedding}: ImageBind's audio output: unit-normalised, times the audio
 *   postprocessor's fixed logit scale 20, averaged over the clips of the file.</li>
 *   <li>{@link #textEmbedding}: ImageBind's text output (unit-normalised, times the learned text
 *   logit scale); {@link #textEmbeddingRaw} is the same before normalisation.</li>
 *   <li>{@link #videoEmbedding}: ImageBind's vision output over 2-frame clips, averaged over clips.</li>
 * </ul>
 *
 * <p>Implementations say whether they are thread-safe; CoDi-2 calls them from one thread at a time.
 */
public interface MediaEncoder extends AutoCloseable {

    /** Width of every vector this encoder returns (1024 for ImageBind-huge). */
    int dim();

    /** Rows {@link #imageTokens} returns for any image (257 for ImageBind-huge: CLS + 16×16 patches). */
    int imageTokenCount();

    /** The full vision token sequence (T, dim), unnormalised; see the class comment. */
    Tensor imageTokens(Image image);

    /** The unnormalised image embedding (dim): row 0 of {@link #imageTokens}. */
    default Tensor imageEmbedding(Image image) {
        Tensor seq = imageTokens(image);
        Tensor row = Tensor.fromFloats(seq.narrow(0, 0, 1).toFloatArray(), dim());
        seq.close();
        return row;
    }

    /** ImageBind's audio embedding (dim): unit length × 20, mean over clips. */
    Tensor audioEmbedding(Audio audio);

    /** ImageBind's text embedding (dim), post-processed as the official forward returns it. */
    Tensor textEmbedding(String text);

    /** ImageBind's text embedding (dim) before normalisation and logit scaling. */
    Tensor textEmbeddingRaw(String text);

    /** ImageBind's video embedding (dim): vision output over 2-frame clips, mean over clips. */
    Tensor videoEmbedding(Video video);

    /** A short description for logs and reports, e.g. "ImageBind-huge (imagebind_huge.pth)". */
    String describe();

    @Override default void close() {}
}
