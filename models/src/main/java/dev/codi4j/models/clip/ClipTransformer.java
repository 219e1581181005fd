package dev.codi4j.models.clip;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack of pre-LN blocks shared by every CLIP-family tower in codi4j: OpenCLIP ViT-H/14 vision
 * and text (inside ImageBind and as SD 2.x's HF {@code CLIPTextModel}/{@code CLIPVisionModelWithProjection}),
 * OpenAI CLIP ViT-L/14 text (QuickGELU), and ImageBind's audio, depth, thermal and IMU trunks.
 */
public final class ClipTransformer {
    private final TransformerConfig config;
    private final List<ClipBlock> blocks;

    public ClipTransformer(TransformerConfig config, List<ClipBlock> blocks) {
        this.config = config;
        this.blocks = List.copyOf(blocks);
    }

    /**
     * Reads {@code config.layers()} blocks under {@code w} (the prefix holding {@code layers.N} or
     * {@code blocks.N}, e.g. {@code text_model.encoder} or {@code modality_trunks.audio}).
     */
    public static ClipTransformer load(Backend b, Weights w, TransformerConfig config, TransformerNaming naming, DType weightDType) {
        List<ClipBlock> list = new ArrayList<>(config.layers());
        for (int i = 0; i < config.layers(); i++) list.add(ClipBlock.load(b, w.pp(naming.blocks + i), config, naming, weightDType));
        return new ClipTransformer(config, list);
    }

    public TransformerConfig config() { return config; }

    public int layers() { return blocks.size(); }

    /** All blocks: x (B, S, D) → (B, S, D). */
    public Tensor forward(Backend b, Tensor x, Tensor mask, boolean causal) {
        return forward(b, x, mask, causal, blocks.size(), null);
    }

    /**
     * The first {@code layers} blocks. When {@code hiddenStates} is given it receives the input and the
     * output of every block run (HF's {@code output_hidden_states}: {@code layers + 1} tensors, the caller
     * owns them); otherwise intermediate activations are freed as soon as the next block has run.
     */
    public Tensor forward(Backend b, Tensor x, Tensor mask, boolean causal, int layers, List<Tensor> hiddenStates) {
        if (layers < 0 || layers > blocks.size()) throw new IllegalArgumentException("asked for " + layers + " layers of a " + blocks.size() + "-layer transformer");
        if (hiddenStates != null) hiddenStates.add(x);
        Tensor h = x;
        for (int i = 0; i < layers; i++) {
            Tensor next = blocks.get(i).forward(b, h, mask, causal);
            if (hiddenStates != null) hiddenStates.add(next);
            else if (h != x) h.close(); // an intermediate nobody else holds
            h = next;
        }
        return h;
    }
}
