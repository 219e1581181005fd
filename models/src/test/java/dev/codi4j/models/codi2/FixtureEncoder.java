package dev.codi4j.models.codi2;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.tensor.Tensor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A test encoder that returns fixed vectors: the raw ImageBind outputs a fixture recorded, keyed by
 * the identity of the decoded media object. Lets the parity test feed CoDi-2 exactly the features the
 * PyTorch reference used.
 */
final class FixtureEncoder implements MediaEncoder {
    private final int dim, tokens;
    private final Map<Object, float[]> vectors = new IdentityHashMap<>();

    FixtureEncoder(int dim, int tokens) {
        this.dim = dim;
        this.tokens = tokens;
    }

    /** An image whose token sequence is {@code seq} (tokens × dim). */
    Media.Image image(String label, float[] seq) {
        Image px = Image.ofBytes(1, 1, 3, new byte[3]);
        vectors.put(px, seq.clone());
        return Media.Image.of(px, label);
    }

    /** An audio clip whose embedding is {@code v}. */
    Media.Audio audio(String label, float[] v) {
        Audio a = Audio.of(16000, new float[16]);
        vectors.put(a, v.clone());
        return Media.Audio.of(a, label);
    }

    private float[] get(Object key) {
        float[] v = vectors.get(key);
        if (v == null) throw new IllegalStateException("the fixture encoder has no vector for " + key);
        return v;
    }

    @Override public int dim() { return dim; }
    @Override public int imageTokenCount() { return tokens; }
    @Override public Tensor imageTokens(Image image) { return Tensor.fromFloats(get(image), tokens, dim); }
    @Override public Tensor audioEmbedding(Audio audio) { return Tensor.fromFloats(get(audio), dim); }
    @Override public Tensor textEmbedding(String text) { throw new UnsupportedOperationException(); }
    @Override public Tensor textEmbeddingRaw(String text) { throw new UnsupportedOperationException(); }
    @Override public Tensor videoEmbedding(Video video) { return Tensor.fromFloats(get(video), dim); }
    @Override public String describe() { return "fixture encoder"; }
}
