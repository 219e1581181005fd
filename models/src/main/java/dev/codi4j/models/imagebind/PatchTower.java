package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.clip.ClipTransformer;
import dev.codi4j.models.clip.TransformerConfig;
import dev.codi4j.models.clip.TransformerNaming;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.util.Arrays;

/**
 * An ImageBind tower that turns a dense input into patches: vision (Conv3d over a 2-frame clip),
 * audio, depth and thermal (Conv2d + LayerNorm), IMU (unfold into windows + Linear + LayerNorm). Each
 * is {@code PatchEmbedGeneric} → CLS token → learned position embedding → [vision: LayerNorm] →
 * {@code SimpleTransformer} → head (LayerNorm, CLS, Linear without bias) → L2 normalisation →
 * [× the frozen or learned logit scale].
 */
final class PatchTower {
    /** How the stem turns an input into (B, N, D) patch tokens. */
    enum StemKind { CONV3D_REPEAT, CONV2D, IMU_WINDOWS }

    /** PadIm2Video(pad_type="repeat", ntimes=2): a still image becomes 2 identical frames. */
    private static final int PAD_FRAMES = 2;

    private final Modality modality;
    private final StemKind kind;
    private final Tensor stemWeight;   // conv (D, C, *k) F32, or IMU linear (D, C·k)
    private final int[] kernel;        // conv kernel = stride, or {window} for IMU
    private final int[] stride;
    private final LayerNorm stemNorm;  // null for vision
    private final Tensor cls;          // (1, 1, D)
    private final Tensor pos;          // (1, N+1, D)
    private final LayerNorm preLn;     // vision only
    private final ClipTransformer trunk;
    private final LayerNorm headNorm;
    private final Linear headProj;
    private final float scale;         // NaN: no logit scaling (vision)

    private PatchTower(Modality modality, StemKind kind, Tensor stemWeight, int[] kernel, int[] stride, LayerNorm stemNorm, Tensor cls, Tensor pos,
                       LayerNorm preLn, ClipTransformer trunk, LayerNorm headNorm, Linear headProj, float scale) {
        this.modality = modality;
        this.kind = kind;
        this.stemWeight = stemWeight;
        this.kernel = kernel;
        this.stride = stride;
        this.stemNorm = stemNorm;
        this.cls = cls;
        this.pos = pos;
        this.preLn = preLn;
        this.trunk = trunk;
        this.headNorm = headNorm;
        this.headProj = headProj;
        this.scale = scale;
    }

    static PatchTower load(Backend b, Weights root, Modality m, ImageBindConfig c, DType weightDType) {
        String key = m.key();
        ImageBindConfig.Tower t = switch (m) {
            case VISION -> c.vision();
            case AUDIO -> c.audio();
            case DEPTH -> c.depth();
            case THERMAL -> c.thermal();
            case IMU -> c.imu();
            case TEXT -> throw new IllegalArgumentException("text is not a patch tower");
        };
        int d = t.embedDim();
        Weights pre = root.pp("modality_preprocessors").pp(key);
        StemKind kind;
        Tensor w;
        int[] kernel, stride;
        LayerNorm stemNorm = null;
        int tokens;
        switch (m) {
            case VISION -> {
                kind = StemKind.CONV3D_REPEAT;
                kernel = c.kernelSize();
                stride = kernel;
                // PatchEmbedGeneric(proj_stem=[PadIm2Video, Conv3d]) is an nn.Sequential: the conv is proj.1
                w = pre.pp("rgbt_stem.proj.1").get("weight", DType.F32, d, 3, kernel[0], kernel[1], kernel[2]);
                tokens = c.visionTokens();
            }
            case AUDIO, DEPTH, THERMAL -> {
                kind = StemKind.CONV2D;
                int k = m == Modality.AUDIO ? c.audioKernelSize() : m == Modality.DEPTH ? c.depthKernelSize() : c.thermalKernelSize();
                int s = m == Modality.AUDIO ? c.audioStride() : k;
                kernel = new int[] {k, k};
                stride = new int[] {s, s};
                Weights stem = pre.pp(m == Modality.DEPTH ? "depth_stem" : "rgbt_stem");
                w = stem.pp("proj").get("weight", DType.F32, d, 1, k, k);
                stemNorm = LayerNorm.load(b, stem.pp("norm_layer"), d, 1e-5f); // nn.LayerNorm default eps
                if (m == Modality.AUDIO) tokens = c.audioTokens();
                else tokens = 1 + (ImageBindConfig.IMAGE_SIZE / k) * (ImageBindConfig.IMAGE_SIZE / k);
            }
            case IMU -> {
                kind = StemKind.IMU_WINDOWS;
                int k = c.imuKernelSize();
                kernel = new int[] {k};
                stride = kernel;
                Weights stem = pre.pp("imu_stem");
                w = weightDType == null ? stem.pp("proj").get("weight", d, ImageBindConfig.IMU_CHANNELS * k)
                        : stem.pp("proj").get("weight", weightDType, d, ImageBindConfig.IMU_CHANNELS * k);
                stemNorm = LayerNorm.load(b, stem.pp("norm_layer"), d, 1e-5f);
                tokens = 1 + ImageBindConfig.IMU_LENGTH / k;
            }
            default -> throw new AssertionError(m);
        }
        Tensor cls = pre.get("cls_token", DType.F32, 1, 1, d);
        Tensor pos = m == Modality.IMU ? pre.get("pos_embed", DType.F32, 1, tokens, d)
                : pre.pp("pos_embedding_helper").get("pos_embed", DType.F32, 1, tokens, d);
        Weights trunkW = root.pp("modality_trunks").pp(key);
        LayerNorm preLn = m == Modality.VISION ? LayerNorm.load(b, trunkW.pp("pre_transformer_layer.0"), d, 1e-6f) : null;
        TransformerConfig tc = new TransformerConfig(d, t.numBlocks(), t.numHeads(), 4 * d, UnaryOp.GELU, 1e-6f, m != Modality.VISION);
        ClipTransformer trunk = ClipTransformer.load(b, trunkW, tc, TransformerNaming.IMAGEBIND, weightDType);
        Weights head = root.pp("modality_heads").pp(key);
        LayerNorm headNorm = LayerNorm.load(b, head.pp("0"), d, 1e-6f);
        // nn.Sequential(LayerNorm, SelectElement, [Dropout,] Linear): IMU has a Dropout at index 2
        Linear proj = Linear.load(b, head.pp(m == Modality.IMU ? "3" : "2"), d, c.outEmbedDim(), false, weightDType);
        float scale = m == Modality.VISION ? Float.NaN : logitScale(root.pp("modality_postprocessors").pp(key).pp("1"));
        return new PatchTower(m, kind, b.toDevice(w), kernel, stride, stemNorm, b.toDevice(cls), b.toDevice(pos), preLn, trunk, headNorm, proj, scale);
    }

    /** {@code LearnableLogitScaling}: clip(exp(log_logit_scale), max=100). */
    static float logitScale(Weights w) {
        Tensor t = w.get("log_logit_scale", DType.F32);
        if (t.numel() != 1) throw new WeightsException(w.fullName("log_logit_scale") + " should be a scalar, found " + t.describe());
        return (float) Math.min(Math.exp(t.toFloatArray()[0]), 100.0);
    }

    Modality modality() { return modality; }

    int width() { return trunk.config().width(); }

    TransformerConfig trunkConfig() { return trunk.config(); }

    int tokenCount() { return pos.dim(1); }

    /** The trunk's output sequence (B, N+1, D) for a batch of single-clip inputs. */
    Tensor tokens(Backend b, Tensor x) {
        try (Scope s = Scope.open()) {
            Tensor patches = stem(b, x);                                          // (B, N, D)
            int bs = patches.dim(0), n = patches.dim(1), d = patches.dim(2);
            if (n + 1 != pos.dim(1)) {
                throw new IllegalArgumentException(modality.key() + " input " + x.describe() + " gives " + n + " patches but the checkpoint's position embedding has "
                        + (pos.dim(1) - 1) + "; ImageBind's position interpolation for other input sizes is not implemented: preprocess to the model's input size");
            }
            if (stemNorm != null) patches = stemNorm.forward(b, patches);
            Tensor h = b.concat(1, cls.expand(bs, 1, d), patches);               // (B, N+1, D)
            b.binary(BinaryOp.ADD, h, pos, h);
            if (preLn != null) h = preLn.forward(b, h);
            return s.keep(trunk.forward(b, h, null, false));
        }
    }

    /** Postprocessed embeddings (B, out) of single-clip inputs: what the official forward returns for them. */
    Tensor embed(Backend b, Tensor x) {
        try (Scope s = Scope.open()) {
            Tensor h = tokens(b, x);
            Tensor clsOut = h.narrow(1, 0, 1).squeeze(1);                           // (B, D) SelectElement(0)
            Tensor e = headProj.forward(b, headNorm.forward(b, clsOut));           // (B, out)
            return s.keep(Postprocess.normalizeAndScale(b, e, scale));
        }
    }

    private Tensor stem(Backend b, Tensor x) {
        return switch (kind) {
            case CONV3D_REPEAT -> {
                // PadIm2Video(pad_type="repeat", ntimes=2): an image (B, C, H, W) becomes a clip of identical frames
                Tensor clip = x;
                if (x.rank() == 4) clip = x.unsqueeze(2);
                if (clip.rank() != 5 || clip.dim(1) != 3) throw new IllegalArgumentException("vision input must be (B, 3, H, W) or (B, 3, T, H, W), got " + x.describe());
                if (clip.dim(2) == 1) clip = clip.expand(clip.dim(0), 3, PAD_FRAMES, clip.dim(3), clip.dim(4));
                Tensor y = b.conv(b.contiguous(clip), stemWeight, null, stride, new int[] {0, 0, 0}, null, 1); // (B, D, T', H', W')
                yield b.contiguous(y.flatten(2, 4).transpose(1, 2));              // (B, N, D)
            }
            case CONV2D -> {
                if (x.rank() != 4 || x.dim(1) != 1) throw new IllegalArgumentException(modality.key() + " input must be (B, 1, H, W), got " + x.describe());
                Tensor y = b.conv(x, stemWeight, null, stride, new int[] {0, 0}, null, 1);
                yield b.contiguous(y.flatten(2, 3).transpose(1, 2));
            }
            case IMU_WINDOWS -> {
                int k = kernel[0];
                if (x.rank() != 3 || x.dim(1) != ImageBindConfig.IMU_CHANNELS || x.dim(2) % k != 0) {
                    throw new IllegalArgumentException("imu input must be (B, " + ImageBindConfig.IMU_CHANNELS + ", L) with L a multiple of " + k + ", got " + x.describe());
                }
                int bs = x.dim(0), c = x.dim(1), n = x.dim(2) / k;
                // imu.unfold(-1, k, k).permute(0, 2, 1, 3).reshape(B, n, C·k)
                Tensor win = b.contiguous(b.contiguous(x).view(bs, c, n, k).permute(0, 2, 1, 3)).view(bs, n, c * k);
                yield b.linear(win, stemWeight, null);
            }
        };
    }

    @Override public String toString() {
        return modality.key() + " tower: stem " + Arrays.toString(stemWeight.shape()) + ", " + trunk.layers() + " blocks of " + width();
    }
}
