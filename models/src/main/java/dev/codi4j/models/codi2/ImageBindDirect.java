package dev.codi4j.models.codi2;

import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.ImageRequest;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.tensor.Tensor;
import java.util.List;

/**
 * ImageBind-direct generation: works with public weights only (no trained CoDi-2 projector exists).
 * Because ImageBind aligns image, audio, video and text in one space, and its image embedding is
 * OpenCLIP ViT-H/14's, which SD2.1-unCLIP-h is conditioned on, an embedding of any of them (or a
 * weighted mix) can drive the image decoder directly: sound → picture, picture + sound → picture.
 *
 * <p>Which embedding of each kind: the recipe of the public ImageBind + unCLIP demos (Anything2Image):
 * images their unnormalised embedding (exactly the OpenCLIP image embedding unCLIP was trained on),
 * audio ImageBind's output (unit length × 20), video ImageBind's vision output, text the
 * unnormalised text embedding. The mix is Σ wᵢ·eᵢ / Σ wᵢ.
 *
 * <p>Thread-safety as {@link CoDi2}: calls are serialised with the model's other work.
 */
public final class ImageBindDirect {
    private final CoDi2 model;
    private final MediaEncoder encoder;
    private final ImageDecoder decoder;

    ImageBindDirect(CoDi2 model, MediaEncoder encoder, ImageDecoder decoder) {
        this.model = model;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    /**
     * One member of a mix: a {@link Media} or a {@link String} (text), and its weight.
     */
    public record Weighted(Object input, double weight) {
        public Weighted {
            if (!(input instanceof Media) && !(input instanceof String))
                throw new IllegalArgumentException("a mix member is a Media or a String (text), got " + (input == null ? "null" : input.getClass().getName()));
            if (!(weight > 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("mix weights must be positive and finite, got " + weight);
        }

        public static Weighted of(Object input, double weight) { return new Weighted(input, weight); }
    }

    /** The weighted mean of the members' embeddings (encoder width). */
    public float[] embedding(List<Weighted> mix) {
        if (mix.isEmpty()) throw new IllegalArgumentException("the mix is empty; give at least one image, audio clip, video or text");
        model.lock.lock();
        try {
            double[] acc = new double[encoder.dim()];
            double total = 0;
            for (Weighted w : mix) {
                Tensor e;
                try {
                    e = switch (w.input()) {
                        case Media.Image i -> encoder.imageEmbedding(i.pixels());
                        case Media.Audio a -> encoder.audioEmbedding(a.samples());
                        case Media.Video v -> encoder.videoEmbedding(v.frames());
                        case String s -> encoder.textEmbeddingRaw(s);
                        default -> throw new IllegalArgumentException("unsupported mix member " + w.input());
                    };
                } catch (IllegalStateException | UnsupportedOperationException x) {
                    String what = w.input() instanceof Media m ? m.kind() + " '" + m.label() + "'" : "text";
                    throw new UnsupportedMediaException(encoder.describe() + " cannot encode " + what + ": " + x.getMessage(), x);
                }
                float[] v = e.toFloatArray();
                e.close();
                for (int i = 0; i < acc.length; i++) acc[i] += w.weight() * v[i];
                total += w.weight();
            }
            float[] out = new float[acc.length];
            for (int i = 0; i < out.length; i++) out[i] = (float) (acc[i] / total);
            return out;
        } finally {
            model.lock.unlock();
        }
    }

    /**
     * Paints one image from a mix.
     *
     * @param editSource an image whose latents are concatenated to the noise, or null
     */
    public GeneratedImage generate(List<Weighted> mix, ImageSettings settings, long seed, Media.Image editSource, ReplyListener listener) {
        float[] e = embedding(mix);
        model.lock.lock();
        try {
            ImageRequest req = settings.request(e, seed);
            if (editSource != null) {
                if (!decoder.supportsEditing()) throw new UnsupportedOperationException(decoder.describe() + " cannot edit images");
                req = req.withEditSource(editSource.pixels(), settings.imageGuidance());
            }
            StringBuilder what = new StringBuilder();
            for (Weighted w : mix) what.append(what.isEmpty() ? "" : " + ").append(String.format(java.util.Locale.ROOT, "%.2g·", w.weight()))
                    .append(w.input() instanceof Media m ? "[" + m.kind() + ": " + m.label() + "]" : "\"" + w.input() + "\"");
            listener.onStage(ReplyListener.Stage.PAINTING_IMAGE, what.toString());
            var img = decoder.generate(req, (s, t) -> listener.onProgress(ReplyListener.Stage.PAINTING_IMAGE, s, t), () -> false);
            GeneratedImage g = new GeneratedImage(img, 1, req, editSource == null ? null : editSource.label(), what.toString(), "imagebind-direct");
            listener.onImage(g);
            return g;
        } finally {
            model.lock.unlock();
        }
    }
}
