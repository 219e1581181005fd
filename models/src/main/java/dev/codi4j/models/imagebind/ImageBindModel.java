package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.clip.TransformerConfig;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ImageBind network (facebookresearch/ImageBind {@code ImageBindModel}) over preprocessed tensors:
 * the same state-dict names, the same forward. {@link #encode} is {@code model({modality: x})[modality]}
 * exactly, including its quirks: outputs are normalised and then multiplied by each modality's logit
 * scale (text learned, audio 20, depth 5, thermal 10, IMU 5; vision none), and inputs of rank ≥ 5 are
 * (B, clips, ...) whose per-clip outputs are averaged without renormalising. {@link ImageBind} wraps
 * this with preprocessing and unit-norm embeddings.
 *
 * <p>Towers missing from a checkpoint (e.g. a vision+audio+text conversion) are skipped at load;
 * asking for one is an error that names it.
 */
public final class ImageBindModel {
    private static final Logger LOG = LoggerFactory.getLogger(ImageBindModel.class);

    private final ImageBindConfig config;
    private final Map<Modality, PatchTower> patchTowers;
    private final TextTower text;

    private ImageBindModel(ImageBindConfig config, Map<Modality, PatchTower> patchTowers, TextTower text) {
        this.config = config;
        this.patchTowers = patchTowers;
        this.text = text;
    }

    /**
     * Builds the towers present under {@code w} (the checkpoint root).
     * @param weightDType dtype for the large projection weights (null keeps the checkpoint's: F32, F16 or BF16)
     */
    public static ImageBindModel load(Backend b, Weights w, ImageBindConfig config, DType weightDType) {
        Map<Modality, PatchTower> towers = new EnumMap<>(Modality.class);
        TextTower text = null;
        for (Modality m : Modality.values()) {
            if (w.pp("modality_trunks").pp(m.key()).keys().isEmpty()) {
                LOG.info("checkpoint has no {} tower; skipping it", m.key());
                continue;
            }
            if (m == Modality.TEXT) text = TextTower.load(b, w, config, weightDType);
            else towers.put(m, PatchTower.load(b, w, m, config, weightDType));
        }
        if (towers.isEmpty() && text == null) {
            throw new IllegalArgumentException("no ImageBind tower found: the checkpoint has no modality_trunks.<vision|text|audio|depth|thermal|imu> tensors; "
                    + "is it an ImageBind checkpoint (imagebind_huge.pth or a conversion with the same names)?");
        }
        return new ImageBindModel(config, towers, text);
    }

    public ImageBindConfig config() { return config; }

    /** The modalities this model can encode. */
    public Set<Modality> modalities() {
        Set<Modality> s = EnumSet.noneOf(Modality.class);
        s.addAll(patchTowers.keySet());
        if (text != null) s.add(Modality.TEXT);
        return s;
    }

    /**
     * The official forward for one modality. Inputs: vision (B, 3, 224, 224) images, (B, 3, T, 224, 224)
     * clips or (B, clips, 3, T, 224, 224) videos; text (B, 77) ids; audio (B, 1, mel, frames) or
     * (B, clips, 1, mel, frames); depth and thermal (B, 1, 224, 224); IMU (B, 6, 2000).
     * @return (B, out_embed_dim): normalised × logit scale, averaged over clips for rank ≥ 5 inputs
     */
    public Tensor encode(Backend b, Modality m, Tensor x) {
        if (m != Modality.TEXT) x = b.toDevice(x);
        if (m == Modality.TEXT) return textTower().embed(b, x);
        PatchTower t = tower(m);
        if (x.rank() < 5) return t.embed(b, x);
        int bs = x.dim(0), clips = x.dim(1);
        int[] rest = Arrays.copyOfRange(x.shape(), 2, x.rank());
        int[] flat = new int[rest.length + 1];
        flat[0] = bs * clips;
        System.arraycopy(rest, 0, flat, 1, rest.length);
        try (Scope s = Scope.open()) {
            Tensor perClip = t.embed(b, b.contiguous(x).view(flat));                  // (B·S, out)
            return s.keep(b.contiguous(Postprocess.meanOverClips(b, perClip, bs, clips)));
        }
    }

    /**
     * The trunk's output sequence for single-clip inputs: (B, tokens, width), e.g. the 257 vision tokens
     * (CLS first) of ViT-H before the head's LayerNorm. Text gives (B, 77, width).
     */
    public Tensor tokens(Backend b, Modality m, Tensor x) {
        if (m == Modality.TEXT) return textTower().tokens(b, x);
        return tower(m).tokens(b, b.toDevice(x));
    }

    /** The trunk configuration of a modality (for FLOP counts and reports). */
    public TransformerConfig trunkConfig(Modality m) {
        return m == Modality.TEXT ? textTower().trunkConfig() : tower(m).trunkConfig();
    }

    /** Tokens the trunk of {@code m} runs over (257 for vision, 229 audio, 77 text, ...). */
    public int tokenCount(Modality m) {
        return m == Modality.TEXT ? textTower().contextLength() : tower(m).tokenCount();
    }

    /** Size of the text embedding table (49408 for the real model). */
    public int textVocabSize() { return textTower().vocabSize(); }

    private PatchTower tower(Modality m) {
        PatchTower t = patchTowers.get(m);
        if (t == null) throw new IllegalStateException("this checkpoint has no " + m.key() + " tower (modality_trunks." + m.key() + ".*); it holds " + modalities());
        return t;
    }

    private TextTower textTower() {
        if (text == null) throw new IllegalStateException("this checkpoint has no text tower (modality_trunks.text.*); it holds " + modalities());
        return text;
    }
}
