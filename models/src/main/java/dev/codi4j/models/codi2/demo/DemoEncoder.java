package dev.codi4j.models.codi2.demo;

import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.ImageOps;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.codi2.ConfigException;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DEMO COMPONENT, NOT IMAGEBIND: a tiny encoder with random weights that honours the {@link
 * MediaEncoder} contract (a CLS-first token sequence for images, unit × 20 audio embeddings, ...) so
 * that {@code codi4j demo} and the tests can run CoDi-2's whole pipeline in seconds. Its vectors
 * carry no meaning. Images: 8×8 patches of a 32×32 resize, plus their mean as the CLS token, each
 * through one linear layer. Audio: log energies of 16 equal segments. Text: byte-bucket counts.
 * Video: the mean of up to 4 frames' image embeddings.
 *
 * <p>Folder layout: {@code config.json} ({@code "codi4j_demo": "encoder"}, {@code dim},
 * {@code image_size}, {@code patch}) and {@code model.safetensors} ({@code vision.*}, {@code audio.*},
 * {@code text.*}, {@code text.logit_scale}). Thread-safe if the backend is.
 */
public final class DemoEncoder implements MediaEncoder {
    static final int AUDIO_BANDS = 16, TEXT_BUCKETS = 64;

    private final Backend b;
    private final int dim, size, patch;
    private final Linear vision, audio, text;
    private final float textScale;
    private final Weights weights;

    private DemoEncoder(Backend b, int dim, int size, int patch, Linear vision, Linear audio, Linear text, float textScale, Weights weights) {
        this.b = b;
        this.dim = dim;
        this.size = size;
        this.patch = patch;
        this.vision = vision;
        this.audio = audio;
        this.text = text;
        this.textScale = textScale;
        this.weights = weights;
    }

    /** Reads a demo encoder folder. */
    public static DemoEncoder load(Path dir, Backend b) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) throw new ConfigException(dir + " is not a demo encoder folder: config.json is missing");
        ConfigJson c = ConfigJson.read(cfgFile);
        if (!"encoder".equals(c.optString("codi4j_demo", null)))
            throw new ConfigException(cfgFile + " does not describe a codi4j demo encoder (\"codi4j_demo\": \"encoder\" missing); kind \"demo\" is only for the folders 'codi4j demo' writes");
        int dim = c.reqInt("dim"), size = c.reqInt("image_size"), patch = c.reqInt("patch");
        if (size % patch != 0) throw new ConfigException(cfgFile + ": image_size " + size + " is not a multiple of patch " + patch);
        Weights w = Weights.open(dir.resolve("model.safetensors"));
        try {
            int pin = 3 * patch * patch;
            return new DemoEncoder(b, dim, size, patch, Linear.load(b, w.pp("vision"), pin, dim, true), Linear.load(b, w.pp("audio"), AUDIO_BANDS, dim, true),
                    Linear.load(b, w.pp("text"), TEXT_BUCKETS, dim, true), w.get("text.logit_scale", DType.F32, 1).toFloatArray()[0], w);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    @Override public int dim() { return dim; }

    @Override public int imageTokenCount() { return 1 + (size / patch) * (size / patch); }

    @Override public Tensor imageTokens(Image image) {
        Image img = ImageOps.resize(image.toRgb(), size, size, ImageOps.Resampler.PIL_BICUBIC).toFloats();
        float[] px = img.floats();                                         // (3, size, size)
        int g = size / patch, n = g * g, pin = 3 * patch * patch;
        float[] rows = new float[(n + 1) * pin];                           // CLS (mean of patches) first
        for (int py = 0; py < g; py++) for (int pxi = 0; pxi < g; pxi++) {
            int r = 1 + py * g + pxi, k = 0;
            for (int c = 0; c < 3; c++) for (int y = 0; y < patch; y++) for (int x = 0; x < patch; x++, k++) {
                float v = px[(c * size + py * patch + y) * size + pxi * patch + x] - 0.5f;
                rows[r * pin + k] = v;
                rows[k] += v / n;
            }
        }
        Tensor in = b.toDevice(Tensor.fromFloats(rows, n + 1, pin));
        return b.toHost(vision.forward(b, in));                            // (1 + n, dim)
    }

    @Override public Tensor audioEmbedding(Audio a) {
        float[] x = a.mono().channel(0);
        float[] f = new float[AUDIO_BANDS];
        for (int i = 0; i < AUDIO_BANDS; i++) {
            int from = (int) ((long) x.length * i / AUDIO_BANDS), to = Math.max(from + 1, (int) ((long) x.length * (i + 1) / AUDIO_BANDS));
            double e = 0;
            for (int j = from; j < Math.min(to, x.length); j++) e += (double) x[j] * x[j];
            f[i] = (float) Math.log(1e-6 + e / (to - from));
        }
        standardise(f);
        return scaled(audio, f, 20f);
    }

    @Override public Tensor textEmbedding(String s) { return scaled(text, buckets(s), textScale); }

    @Override public Tensor textEmbeddingRaw(String s) {
        return b.toHost(text.forward(b, b.toDevice(Tensor.fromFloats(buckets(s), 1, TEXT_BUCKETS)))).view(dim);
    }

    @Override public Tensor videoEmbedding(Video v) {
        int frames = Math.min(4, v.frameCount());
        float[] acc = new float[dim];
        for (int i = 0; i < frames; i++) {
            int at = (int) ((long) i * v.frameCount() / frames);
            float[] e = imageEmbedding(v.frame(at)).toFloatArray();
            normalise(e, 1f);
            for (int k = 0; k < dim; k++) acc[k] += e[k] / frames;
        }
        return Tensor.fromFloats(acc, dim);
    }

    @Override public String describe() { return "demo encoder (random weights, " + dim + "-d; not ImageBind)"; }

    @Override public void close() { weights.close(); }

    private Tensor scaled(Linear l, float[] in, float scale) {
        float[] e = b.toHost(l.forward(b, b.toDevice(Tensor.fromFloats(in, 1, in.length)))).toFloatArray();
        normalise(e, scale);
        return Tensor.fromFloats(e, dim);
    }

    private static float[] buckets(String s) {
        float[] f = new float[TEXT_BUCKETS];
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) f[((bytes[i] & 0xFF) * 31 + i % 7) % TEXT_BUCKETS] += 1;
        for (int i = 0; i < f.length; i++) f[i] = (float) Math.log1p(f[i]);
        return f;
    }

    static void normalise(float[] v, float scale) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        float k = (float) (scale / Math.max(Math.sqrt(n), 1e-12));
        for (int i = 0; i < v.length; i++) v[i] *= k;
    }

    private static void standardise(float[] v) {
        double m = 0, s = 0;
        for (float x : v) m += x;
        m /= v.length;
        for (float x : v) s += (x - m) * (x - m);
        float sd = (float) Math.max(Math.sqrt(s / v.length), 1e-6);
        for (int i = 0; i < v.length; i++) v[i] = (float) ((v[i] - m) / sd);
    }
}
