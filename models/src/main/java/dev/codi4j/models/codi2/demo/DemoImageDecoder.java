package dev.codi4j.models.codi2.demo;

import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.ImageOps;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.codi2.ConfigException;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.ImageRequest;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * DEMO COMPONENT, NOT A DIFFUSION MODEL: a tiny image "decoder" with random weights that honours
 * the {@link ImageDecoder} contract, so that {@code codi4j demo} and the tests can exercise CoDi-2's
 * routing, editing path, seeds, progress and cancellation in seconds. It mirrors unCLIP's recipe in
 * miniature: the embedding is noise-augmented at {@code noiseLevel}, one linear layer maps it to an
 * 8×8 RGB "latent", classifier-free guidance mixes that with the zero-embedding (unconditional)
 * latent, {@code steps} iterations move seeded noise to the result, and an edit blends in the source
 * image with weight {@code imageGuidance / (1 + imageGuidance)}. The pictures are abstract colour
 * fields.
 *
 * <p>Folder layout: {@code config.json} ({@code "codi4j_demo": "image_decoder"}, {@code
 * embedding_dim}, {@code latent}) and {@code model.safetensors} ({@code head.weight}, {@code
 * head.bias}). Thread-safe if the backend is.
 */
public final class DemoImageDecoder implements ImageDecoder {
    private final Backend b;
    private final int dim, latent;
    private final Linear head;
    private final Weights weights;

    private DemoImageDecoder(Backend b, int dim, int latent, Linear head, Weights weights) {
        this.b = b;
        this.dim = dim;
        this.latent = latent;
        this.head = head;
        this.weights = weights;
    }

    public static DemoImageDecoder load(Path dir, Backend b) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        if (!Files.isRegularFile(cfgFile)) throw new ConfigException(dir + " is not a demo image decoder folder: config.json is missing");
        ConfigJson c = ConfigJson.read(cfgFile);
        if (!"image_decoder".equals(c.optString("codi4j_demo", null)))
            throw new ConfigException(cfgFile + " does not describe a codi4j demo image decoder (\"codi4j_demo\": \"image_decoder\" missing)");
        int dim = c.reqInt("embedding_dim"), latent = c.reqInt("latent");
        Weights w = Weights.open(dir.resolve("model.safetensors"));
        try {
            return new DemoImageDecoder(b, dim, latent, Linear.load(b, w.pp("head"), dim, 3 * latent * latent, true), w);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    @Override public int embeddingDim() { return dim; }

    @Override public boolean supportsEditing() { return true; }

    @Override public Image generate(ImageRequest r, Progress progress, BooleanSupplier cancelled) {
        float[] e = r.embedding();
        if (e.length != dim) throw new IllegalArgumentException("the demo decoder takes " + dim + "-d embeddings, got " + e.length);
        Sampling.Rng rng = new Sampling.Rng(r.seed());
        // noise augmentation of the embedding, as unCLIP's CLIPEmbeddingNoiseAugmentation (strength ~ level)
        double a = Math.sqrt(1 - r.noiseLevel() / 1000.0), s = Math.sqrt(r.noiseLevel() / 1000.0);
        float[] aug = new float[dim];
        double norm = 0;
        for (float v : e) norm += (double) v * v;
        double scale = Math.sqrt(norm / dim);
        for (int i = 0; i < dim; i++) aug[i] = (float) (a * e[i] + s * scale * rng.nextGaussian());
        float[] cond = latentOf(aug), uncond = latentOf(new float[dim]);
        int n = cond.length;
        float[] target = new float[n];
        for (int i = 0; i < n; i++) target[i] = (float) Math.tanh(uncond[i] + r.guidanceScale() * (cond[i] - uncond[i]));
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        for (int step = 0; step < r.steps(); step++) {
            if (cancelled.getAsBoolean()) throw new CancellationException("image generation cancelled at step " + step + " of " + r.steps());
            float k = 1f / (r.steps() - step);
            for (int i = 0; i < n; i++) x[i] += (target[i] - x[i]) * k;
            progress.step(step + 1, r.steps());
        }
        float[] rgb = new float[n];
        for (int i = 0; i < n; i++) rgb[i] = (x[i] + 1) / 2;
        Image small = Image.ofFloats(latent, latent, 3, rgb);
        Image out = ImageOps.resize(small.toBytes(), r.width(), r.height(), ImageOps.Resampler.PIL_BICUBIC).toFloats();
        if (r.isEdit()) {
            float w = r.imageGuidanceScale() / (1 + r.imageGuidanceScale());
            float[] src = ImageOps.resize(r.editSource().toRgb(), r.width(), r.height(), ImageOps.Resampler.PIL_BICUBIC).toFloats().floats();
            float[] px = out.floats();
            for (int i = 0; i < px.length; i++) px[i] = w * src[i] + (1 - w) * px[i];
            out = Image.ofFloats(r.width(), r.height(), 3, px);
        }
        return out.toBytes();
    }

    private float[] latentOf(float[] emb) {
        return b.toHost(head.forward(b, b.toDevice(Tensor.fromFloats(emb, 1, dim)))).toFloatArray();
    }

    @Override public String describe() { return "demo image decoder (random weights; not a diffusion model)"; }

    @Override public void close() { weights.close(); }
}
