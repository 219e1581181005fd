package dev.codi4j.models.clip;

import dev.codi4j.loaders.config.CLIPVisionConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;

/**
 * transformers' {@code CLIPVisionModel} / {@code CLIPVisionModelWithProjection}: Conv2d patch stem
 * without bias, class embedding, learned positions, {@code pre_layrnorm}, the encoder, and
 * {@code post_layernorm} on the CLS token → {@code visual_projection}. Stable Diffusion 2.1-unCLIP's
 * {@code image_encoder} is this with OpenCLIP ViT-H/14 ({@link CLIPVisionConfig#vitH14()}), producing
 * the 1024-d {@code image_embeds} the UNet is conditioned on.
 */
public final class ClipVisionModel {
    private final CLIPVisionConfig config;
    private final Tensor patchWeight;  // (D, C, p, p) F32
    private final Tensor classEmbedding; // (D)
    private final Tensor positions;    // (N+1, D)
    private final LayerNorm preNorm, postNorm;
    private final ClipTransformer encoder;
    private final Linear projection;   // null for CLIPVisionModel

    /** lastHiddenState (B, N+1, D) is the encoder output (no post-LN), as in HF. */
    public record Output(Tensor lastHiddenState, Tensor pooled, Tensor imageEmbeds) {}

    private ClipVisionModel(CLIPVisionConfig config, Tensor patchWeight, Tensor classEmbedding, Tensor positions, LayerNorm preNorm,
                            ClipTransformer encoder, LayerNorm postNorm, Linear projection) {
        this.config = config;
        this.patchWeight = patchWeight;
        this.classEmbedding = classEmbedding;
        this.positions = positions;
        this.preNorm = preNorm;
        this.encoder = encoder;
        this.postNorm = postNorm;
        this.projection = projection;
    }

    public static ClipVisionModel load(Backend b, Weights w, CLIPVisionConfig c, DType weightDType) {
        int d = c.hidden_size(), p = c.patch_size(), n = c.gridSize() * c.gridSize() + 1;
        Weights vm = w.pp("vision_model");
        Weights emb = vm.pp("embeddings");
        float eps = (float) c.layer_norm_eps();
        TransformerConfig tc = new TransformerConfig(d, c.num_hidden_layers(), c.num_attention_heads(), c.intermediate_size(),
                Activations.of(c.hidden_act()), eps, false);
        Linear proj = w.contains("visual_projection.weight") ? Linear.load(b, w.pp("visual_projection"), d, c.projection_dim(), false, weightDType) : null;
        return new ClipVisionModel(c,
                b.toDevice(emb.pp("patch_embedding").get("weight", DType.F32, d, c.num_channels(), p, p)),
                b.toDevice(emb.get("class_embedding", DType.F32, d)),
                b.toDevice(emb.pp("position_embedding").get("weight", DType.F32, n, d)),
                LayerNorm.load(b, vm.pp("pre_layrnorm"), d, eps),   // sic: HF's attribute name
                ClipTransformer.load(b, vm.pp("encoder"), tc, TransformerNaming.HF, weightDType),
                LayerNorm.load(b, vm.pp("post_layernorm"), d, eps),
                proj);
    }

    public CLIPVisionConfig config() { return config; }

    /** pixel_values (B, C, image_size, image_size), already normalised (CLIPImageProcessor). */
    public Output forward(Backend b, Tensor pixels) {
        int s = config.image_size(), p = config.patch_size(), d = config.hidden_size();
        if (pixels.rank() != 4 || pixels.dim(1) != config.num_channels() || pixels.dim(2) != s || pixels.dim(3) != s) {
            throw new IllegalArgumentException("pixel_values must be (B, " + config.num_channels() + ", " + s + ", " + s + "), got " + pixels.describe());
        }
        int bs = pixels.dim(0);
        Tensor last;
        try (Scope sc = Scope.open()) {
            Tensor patches = b.conv(pixels, patchWeight, null, new int[] {p, p}, new int[] {0, 0}, null, 1); // (B, D, g, g)
            Tensor tok = patches.flatten(2, 3).transpose(1, 2);                        // (B, N, D)
            Tensor h = b.concat(1, classEmbedding.view(1, 1, d).expand(bs, 1, d), tok);   // (B, N+1, D)
            b.binary(BinaryOp.ADD, h, positions, h);
            last = sc.keep(encoder.forward(b, preNorm.forward(b, h), null, false));
        }
        Tensor pooled = postNorm.forward(b, b.contiguous(last.narrow(1, 0, 1).squeeze(1))); // (B, D)
        return new Output(last, pooled, projection == null ? null : projection.forward(b, pooled));
    }
}
