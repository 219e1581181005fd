package dev.codi4j.models.diffusion.unet;

import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.Layers;
import dev.codi4j.models.nn.Conv;
import dev.codi4j.models.nn.GroupNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * diffusers' {@code UNet2DConditionModel} (Stable Diffusion 1.x/2.x, unCLIP, InstructPix2Pix), read
 * from the upstream parameter names: conv_in, time_proj/time_embedding, optional class_embedding,
 * down blocks (ResNet + spatial transformer + stride-2 conv), the cross-attention mid block, up blocks
 * consuming the skip connections in reverse, conv_norm_out/conv_out.
 *
 * <p>Heads follow diffusers exactly: down block i and the mid block use {@code attention_head_dim[i]}
 * heads (historical naming: it holds head counts), up block i uses the reversed list; the head size is
 * the block's channels divided by the head count (SD 2.x: 64 everywhere).
 */
public final class UNet2DConditionModel {
    private final UNet2DConditionConfig cfg;
    private final Conv convIn, convOut;
    private final TimestepEmbedding timeEmbedding;
    private final TimestepEmbedding classEmbeddingMlp;
    private final Linear classEmbeddingLinear;
    private final List<DownBlock> down = new ArrayList<>();
    private final MidBlock mid;
    private final List<UpBlock> up = new ArrayList<>();
    private final GroupNorm normOut;

    /**
     * Builds the network over {@code w} (names relative to the UNet's folder/prefix).
     * @param weightDType see {@link Layers}: null keeps the checkpoint's dtypes
     * @throws IllegalArgumentException when the config asks for a feature codi4j does not implement
     */
    public UNet2DConditionModel(Backend backend, Weights w, UNet2DConditionConfig cfg, DType weightDType) {
        UNetSupport.check(cfg);
        this.cfg = cfg;
        Layers l = new Layers(backend, weightDType);
        int[] boc = cfg.block_out_channels();
        int n = boc.length, temb = cfg.timeEmbedDim(), groups = cfg.norm_num_groups();
        double eps = cfg.norm_eps();
        convIn = l.conv(w.pp("conv_in"), cfg.in_channels(), boc[0], cfg.conv_in_kernel(), 1, (cfg.conv_in_kernel() - 1) / 2);
        timeEmbedding = TimestepEmbedding.load(l, w.pp("time_embedding"), boc[0], temb, false);
        String cls = cfg.class_embed_type();
        Weights ce = w.pp("class_embedding");
        classEmbeddingMlp = cls == null ? null : switch (cls) {
            case "projection" -> TimestepEmbedding.load(l, ce, cfg.projection_class_embeddings_input_dim(), temb, false);
            case "timestep" -> TimestepEmbedding.load(l, ce, boc[0], temb, false);
            default -> null;
        };
        classEmbeddingLinear = "simple_projection".equals(cls) ? l.linear(ce, cfg.projection_class_embeddings_input_dim(), temb, true) : null;
        int blocksTemb = cfg.class_embeddings_concat() ? 2 * temb : temb;
        int[] heads = cfg.num_attention_heads();
        int out = boc[0];
        for (int i = 0; i < n; i++) {
            int in = out;
            out = boc[i];
            boolean cross = cfg.down_block_types().get(i).equals("CrossAttnDownBlock2D");
            down.add(new DownBlock(l, w.pp("down_blocks").pp(i), in, out, blocksTemb, cfg.layers_per_block()[i], cross, heads[i],
                    cfg.transformer_layers_per_block()[i], cfg.cross_attention_dim()[i], groups, eps, cfg.use_linear_projection(),
                    cfg.only_cross_attention()[i], i < n - 1, cfg.downsample_padding()));
        }
        mid = cfg.mid_block_type() == null ? null : new MidBlock(l, w.pp("mid_block"), boc[n - 1], blocksTemb, heads[n - 1],
                cfg.transformer_layers_per_block()[n - 1], cfg.cross_attention_dim()[n - 1], groups, eps, cfg.use_linear_projection(),
                false, cfg.mid_block_scale_factor());
        out = boc[n - 1];
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i;
            int prev = out;
            out = boc[r];
            int in = boc[Math.max(r - 1, 0)];
            boolean cross = cfg.up_block_types().get(i).equals("CrossAttnUpBlock2D");
            up.add(new UpBlock(l, w.pp("up_blocks").pp(i), in, out, prev, blocksTemb, cfg.layers_per_block()[r] + 1, cross, heads[r],
                    cfg.transformer_layers_per_block()[r], cfg.cross_attention_dim()[r], groups, eps, cfg.use_linear_projection(),
                    cfg.only_cross_attention()[r], i < n - 1));
        }
        normOut = l.groupNorm(w.pp("conv_norm_out"), groups, boc[0], eps);
        convOut = l.conv(w.pp("conv_out"), boc[0], cfg.out_channels(), cfg.conv_out_kernel(), 1, (cfg.conv_out_kernel() - 1) / 2);
    }

    public UNet2DConditionConfig config() { return cfg; }

    /**
     * One denoising evaluation.
     *
     * @param sample (B, in_channels, h, w) latents (already scaled by the scheduler)
     * @param timesteps one timestep for the whole batch, or one per batch element (fractional allowed)
     * @param encoderHiddenStates (B, tokens, cross_attention_dim) text conditioning
     * @param classLabels (B, projection_class_embeddings_input_dim) for unCLIP's image embedding, or null
     * @return (B, out_channels, h, w): ε, v or x₀ as the model was trained
     */
    public Tensor forward(Backend b, Tensor sample, float[] timesteps, Tensor encoderHiddenStates, Tensor classLabels) {
        int batch = sample.dim(0);
        if (sample.rank() != 4 || sample.dim(1) != cfg.in_channels())
            throw new IllegalArgumentException("UNet input must be (B, " + cfg.in_channels() + ", h, w), got " + sample.describe());
        if (encoderHiddenStates.rank() != 3 || encoderHiddenStates.dim(0) != batch || encoderHiddenStates.dim(2) != cfg.cross_attention_dim()[0])
            throw new IllegalArgumentException("encoder hidden states must be (" + batch + ", tokens, " + cfg.cross_attention_dim()[0] + "), got " + encoderHiddenStates.describe());
        if (timesteps.length != 1 && timesteps.length != batch) throw new IllegalArgumentException("give one timestep or one per batch element (" + batch + "), got " + timesteps.length);
        if (cfg.class_embed_type() != null && classLabels == null) throw new IllegalArgumentException("this UNet has class_embed_type '" + cfg.class_embed_type() + "': pass class labels (for unCLIP, the noise-augmented image embedding)");
        try (Scope s = Scope.open()) {
            Tensor emb = timeEmbedding(b, batch, timesteps, classLabels);
            Tensor siluEmb = Layers.siluInPlace(b, emb); // every ResNet applies SiLU to temb first
            Tensor x = sample;
            if (cfg.center_input_sample()) x = b.binary(BinaryOp.ADD, b.scale(x, 2), b.toDevice(Tensor.scalar(-1)));
            x = convIn.forward(b, x);
            Deque<Tensor> skips = new ArrayDeque<>();
            skips.push(x);
            for (DownBlock d : down) x = d.forward(b, x, siluEmb, encoderHiddenStates, skips);
            if (mid != null) x = mid.forward(b, x, siluEmb, encoderHiddenStates);
            int factor = 1 << (up.size() - 1);
            boolean explicitSize = sample.dim(2) % factor != 0 || sample.dim(3) % factor != 0;
            for (int i = 0; i < up.size(); i++) {
                UpBlock u = up.get(i);
                List<Tensor> res = new ArrayList<>();
                for (int k = 0; k < u.layers(); k++) res.add(skips.pop());
                int oh = -1, ow = -1;
                if (explicitSize && i < up.size() - 1 && !skips.isEmpty()) { oh = skips.peek().dim(2); ow = skips.peek().dim(3); }
                x = u.forward(b, x, res, siluEmb, encoderHiddenStates, oh, ow);
            }
            Tensor h = Layers.siluInPlace(b, normOut.forward(b, x));
            return s.keep(convOut.forward(b, h));
        }
    }

    private Tensor timeEmbedding(Backend b, int batch, float[] timesteps, Tensor classLabels) {
        float[] t = timesteps;
        if (t.length != batch) {
            t = new float[batch];
            java.util.Arrays.fill(t, timesteps[0]);
        }
        int ch = cfg.block_out_channels()[0];
        Tensor tEmb = b.toDevice(Timesteps.embedding(t, ch, cfg.flip_sin_to_cos(), cfg.freq_shift()));
        Tensor emb = timeEmbedding.forward(b, tEmb);
        if (cfg.class_embed_type() == null) return emb;
        Tensor classEmb = switch (cfg.class_embed_type()) {
            case "projection" -> classEmbeddingMlp.forward(b, classLabels);
            case "timestep" -> classEmbeddingMlp.forward(b, b.toDevice(Timesteps.embedding(classLabels.toFloatArray(), ch, cfg.flip_sin_to_cos(), cfg.freq_shift())));
            case "simple_projection" -> classEmbeddingLinear.forward(b, classLabels);
            case "identity" -> classLabels;
            default -> throw new IllegalStateException(cfg.class_embed_type());
        };
        if (classEmb.dim(0) != batch) throw new IllegalArgumentException("class labels have batch " + classEmb.dim(0) + ", the sample " + batch);
        if (cfg.class_embeddings_concat()) return b.concat(-1, emb, classEmb);
        b.binary(BinaryOp.ADD, emb, classEmb, emb);
        return emb;
    }

    /** CrossAttnDownBlock2D / DownBlock2D: resnets (+ transformers), then an optional stride-2 conv; every output is a skip. */
    static final class DownBlock {
        final ResnetBlock2D[] resnets;
        final Transformer2DModel[] attns;
        final Resampling.Downsample2D downsample;

        DownBlock(Layers l, Weights w, int in, int out, int temb, int layers, boolean cross, int heads, int tLayers, int crossDim,
                  int groups, double eps, boolean linearProj, boolean onlyCross, boolean addDownsample, int downsamplePadding) {
            resnets = new ResnetBlock2D[layers];
            attns = cross ? new Transformer2DModel[layers] : null;
            for (int i = 0; i < layers; i++) {
                resnets[i] = new ResnetBlock2D(l, w.pp("resnets").pp(i), i == 0 ? in : out, out, temb, groups, eps, 1);
                if (cross) attns[i] = new Transformer2DModel(l, w.pp("attentions").pp(i), heads, out / heads, out, tLayers, crossDim, groups, linearProj, onlyCross);
            }
            downsample = addDownsample ? Resampling.Downsample2D.load(l, w.pp("downsamplers").pp(0), out, downsamplePadding) : null;
        }

        Tensor forward(Backend b, Tensor x, Tensor siluEmb, Tensor context, Deque<Tensor> skips) {
            for (int i = 0; i < resnets.length; i++) {
                x = resnets[i].forward(b, x, siluEmb);
                if (attns != null) {
                    Tensor y = attns[i].forward(b, x, context);
                    x.close();
                    x = y;
                }
                skips.push(x);
            }
            if (downsample != null) {
                x = downsample.forward(b, x);
                skips.push(x);
            }
            return x;
        }
    }

    /** UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet) pairs. */
    static final class MidBlock {
        final ResnetBlock2D[] resnets;
        final Transformer2DModel[] attns;

        MidBlock(Layers l, Weights w, int ch, int temb, int heads, int tLayers, int crossDim, int groups, double eps, boolean linearProj,
                 boolean onlyCross, double scale) {
            resnets = new ResnetBlock2D[2];
            attns = new Transformer2DModel[1];
            resnets[0] = new ResnetBlock2D(l, w.pp("resnets").pp(0), ch, ch, temb, groups, eps, scale);
            attns[0] = new Transformer2DModel(l, w.pp("attentions").pp(0), heads, ch / heads, ch, tLayers, crossDim, groups, linearProj, onlyCross);
            resnets[1] = new ResnetBlock2D(l, w.pp("resnets").pp(1), ch, ch, temb, groups, eps, scale);
        }

        Tensor forward(Backend b, Tensor x, Tensor siluEmb, Tensor context) {
            Tensor h = resnets[0].forward(b, x, siluEmb);
            Tensor a = attns[0].forward(b, h, context);
            h.close();
            Tensor out = resnets[1].forward(b, a, siluEmb);
            a.close();
            return out;
        }
    }

    /** CrossAttnUpBlock2D / UpBlock2D: (concat skip → resnet (+ transformer)) per layer, then optional ×2 upsampling. */
    static final class UpBlock {
        final ResnetBlock2D[] resnets;
        final Transformer2DModel[] attns;
        final Resampling.Upsample2D upsample;

        UpBlock(Layers l, Weights w, int in, int out, int prev, int temb, int layers, boolean cross, int heads, int tLayers, int crossDim,
                int groups, double eps, boolean linearProj, boolean onlyCross, boolean addUpsample) {
            resnets = new ResnetBlock2D[layers];
            attns = cross ? new Transformer2DModel[layers] : null;
            for (int i = 0; i < layers; i++) {
                int skip = i == layers - 1 ? in : out;
                int resIn = i == 0 ? prev : out;
                resnets[i] = new ResnetBlock2D(l, w.pp("resnets").pp(i), resIn + skip, out, temb, groups, eps, 1);
                if (cross) attns[i] = new Transformer2DModel(l, w.pp("attentions").pp(i), heads, out / heads, out, tLayers, crossDim, groups, linearProj, onlyCross);
            }
            upsample = addUpsample ? Resampling.Upsample2D.load(l, w.pp("upsamplers").pp(0), out) : null;
        }

        int layers() { return resnets.length; }

        /** @param skips this block's skip connections, most recent first */
        Tensor forward(Backend b, Tensor x, List<Tensor> skips, Tensor siluEmb, Tensor context, int outH, int outW) {
            for (int i = 0; i < resnets.length; i++) {
                Tensor cat = b.concat(1, x, skips.get(i));
                x.close();
                skips.get(i).close();
                Tensor h = resnets[i].forward(b, cat, siluEmb);
                cat.close();
                if (attns != null) {
                    Tensor y = attns[i].forward(b, h, context);
                    h.close();
                    h = y;
                }
                x = h;
            }
            if (upsample != null) x = upsample.forward(b, x, outH, outW);
            return x;
        }
    }
}
