package dev.codi4j.models.codi2.spi;

import dev.codi4j.loaders.media.Image;
import java.util.function.BooleanSupplier;

/**
 * The image decoder role in CoDi-2: Stable Diffusion 2.1-unCLIP (an embedding-conditioned latent
 * diffusion model), or a stand-in with the same contract.
 */
public interface ImageDecoder extends AutoCloseable {

    /** Reports sampling progress: {@code step} of {@code total} done. */
    @FunctionalInterface
    interface Progress {
        void step(int step, int total);

        Progress NONE = (s, t) -> {};
    }

    /** Width of the embeddings it is conditioned on (1024 for SD2.1-unCLIP-h). */
    int embeddingDim();

    /** Whether {@link ImageRequest#editSource()} is supported (concatenated-latent editing). */
    boolean supportsEditing();

    /**
     * Paints one RGB image. The same request gives the same pixels on the same backend.
     *
     * @param cancelled polled between steps; when it turns true the call throws
     *     {@link java.util.concurrent.CancellationException} and returns nothing
     */
    Image generate(ImageRequest request, Progress progress, BooleanSupplier cancelled);

    /** A short description for logs and reports. */
    String describe();

    @Override default void close() {}
}
