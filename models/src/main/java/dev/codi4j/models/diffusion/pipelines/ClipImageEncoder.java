package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.config.CLIPVisionConfig;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.media.ClipImagePreprocess;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.ImageOps;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.clip.ClipVisionModel;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SD 2.1-unCLIP's image path: {@code feature_extractor/} (transformers' CLIPImageProcessor: shortest
 * side to 224 with PIL bicubic, center crop, rescale, CLIP normalisation) and {@code image_encoder/}
 * (CLIPVisionModelWithProjection, OpenCLIP ViT-H/14) → the 1024-d {@code image_embeds}.
 */
public final class ClipImageEncoder implements ImageEncoder, AutoCloseable {
    private final ClipImagePreprocess preprocess;
    private final ClipVisionModel model;
    private final Weights weights;

    public ClipImageEncoder(ClipImagePreprocess preprocess, ClipVisionModel model, Weights weights) {
        if (model.config().projection_dim() <= 0) throw new IllegalArgumentException("the image encoder has no projection");
        this.preprocess = preprocess;
        this.model = model;
        this.weights = weights;
    }

    public static ClipImageEncoder load(Backend b, ModelFolder pipeline, DType weightDType) throws IOException {
        ModelFolder ie = pipeline.component("image_encoder");
        CLIPVisionConfig cfg = CLIPVisionConfig.from(ie.config());
        ClipImagePreprocess pre = ClipImagePreprocess.clipImageProcessor();
        Path fe = pipeline.path().resolve("feature_extractor").resolve("preprocessor_config.json");
        if (Files.isRegularFile(fe)) {
            ConfigJson c = ConfigJson.read(fe);
            int crop = cropSize(c, cfg.image_size());
            double[] mean = c.optDoubles("image_mean", null), std = c.optDoubles("image_std", null);
            float[] m = mean == null ? ClipImagePreprocess.CLIP_MEAN : toFloats(mean), s = std == null ? ClipImagePreprocess.CLIP_STD : toFloats(std);
            pre = ClipImagePreprocess.custom(crop, ImageOps.CropRounding.FLOOR, m, s);
        }
        if (pre.size() != cfg.image_size()) throw new IllegalArgumentException(fe + " crops to " + pre.size() + " but the image encoder takes " + cfg.image_size() + "-pixel images");
        Weights w = ie.weights();
        try {
            ClipVisionModel model = ClipVisionModel.load(b, w, cfg, weightDType);
            if (!w.contains("visual_projection.weight")) throw new IllegalArgumentException(ie + " has no visual_projection: it is a CLIPVisionModel, unCLIP needs CLIPVisionModelWithProjection");
            return new ClipImageEncoder(pre, model, w);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static int cropSize(ConfigJson c, int fallback) throws dev.codi4j.loaders.FormatException {
        var j = c.json();
        if (j.has("crop_size") && j.get("crop_size").isJsonObject()) return j.getAsJsonObject("crop_size").get("height").getAsInt();
        return c.optInt("crop_size", fallback);
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    @Override public float[] embed(Backend b, Image image) {
        try (Scope s = Scope.open()) {
            Tensor px = b.toDevice(preprocess.apply(image).unsqueeze(0));
            return b.toHost(model.forward(b, px).imageEmbeds()).toFloatArray();
        }
    }

    @Override public int embeddingSize() { return model.config().projection_dim(); }

    @Override public void close() { if (weights != null) weights.close(); }
}
