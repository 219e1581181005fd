package dev.codi4j.models.clip;

import dev.codi4j.loaders.config.CLIPTextConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.nn.Embedding;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPTextModel} and {@code CLIPTextModelWithProjection} (the text encoders of
 * Stable Diffusion: OpenAI CLIP ViT-L/14 with QuickGELU for SD 1.x and InstructPix2Pix, OpenCLIP
 * ViT-H/14 with GELU and 23 layers for SD 2.x), reading HF checkpoint names
 * ({@code text_model.encoder.layers.N.self_attn.q_proj.weight}, ...). Runs on {@link ClipTransformer},
 * the block stack ImageBind's towers use too.
 */
public final class ClipTextModel {
    private final CLIPTextConfig config;
    private final Embedding tokens;
    private final Tensor positions;    // (max_pos, D) F32
    private final ClipTransformer encoder;
    private final LayerNorm finalNorm;
    private final Linear projection;   // null for CLIPTextModel

    /** What the HF forward returns: {@code hiddenStates} only when asked for (input embeddings + every layer). */
    public record Output(Tensor lastHiddenState, Tensor pooled, Tensor textEmbeds, List<Tensor> hiddenStates) {}

    private ClipTextModel(CLIPTextConfig config, Embedding tokens, Tensor positions, ClipTransformer encoder, LayerNorm finalNorm, Linear projection) {
        this.config = config;
        this.tokens = tokens;
        this.positions = positions;
        this.encoder = encoder;
        this.finalNorm = finalNorm;
        this.projection = projection;
    }

    /**
     * Reads a {@code text_encoder} checkpoint ({@code text_model.*}, plus {@code text_projection.weight}
     * when present: CLIPTextModelWithProjection).
     * @param weightDType dtype for the projection weights (null keeps the checkpoint's)
     */
    public static ClipTextModel load(Backend b, Weights w, CLIPTextConfig c, DType weightDType) {
        int d = c.hidden_size();
        Weights tm = w.pp("text_model");
        Weights emb = tm.pp("embeddings");
        TransformerConfig tc = new TransformerConfig(d, c.num_hidden_layers(), c.num_attention_heads(), c.intermediate_size(),
                Activations.of(c.hidden_act()), (float) c.layer_norm_eps(), false);
        Linear proj = w.contains("text_projection.weight") ? Linear.load(b, w.pp("text_projection"), d, c.projection_dim(), false, weightDType) : null;
        return new ClipTextModel(c,
                Embedding.load(b, emb.pp("token_embedding"), c.vocab_size(), d, weightDType),
                b.toDevice(emb.pp("position_embedding").get("weight", DType.F32, c.max_position_embeddings(), d)),
                ClipTransformer.load(b, tm.pp("encoder"), tc, TransformerNaming.HF, weightDType),
                LayerNorm.load(b, tm.pp("final_layer_norm"), d, (float) c.layer_norm_eps()),
                proj);
    }

    public CLIPTextConfig config() { return config; }

    public boolean hasProjection() { return projection != null; }

    /**
     * The HF forward. ids (B, S) I32/I64 on the host; {@code attentionMask} (B, S) of 1/0 or null.
     * Pooling takes the end-of-text token: the largest id when {@code eos_token_id == 2} (legacy configs,
     * e.g. SD 2.x), otherwise the first {@code eos_token_id}.
     */
    public Output forward(Backend b, Tensor ids, Tensor attentionMask, boolean outputHiddenStates) {
        int bs = ids.dim(0), s = ids.dim(1), d = config.hidden_size();
        checkIds(ids);
        int[] idv = ids.toIntArray();
        List<Tensor> states = outputHiddenStates ? new ArrayList<>() : null;
        Tensor mask = attentionMask == null ? null : paddingMask(b, attentionMask, bs, s);
        Tensor h = tokens.forward(b, b.toDevice(ids));                                  // (B, S, D)
        b.binary(BinaryOp.ADD, h, positions.narrow(0, 0, s), h);
        Tensor last = encoder.forward(b, h, mask, true, encoder.layers(), states);
        Tensor normed = finalNorm.forward(b, last);
        if (states == null && last != h) last.close();
        List<Tensor> picked = new ArrayList<>(bs);
        for (int i = 0; i < bs; i++) picked.add(normed.select(0, i).narrow(0, eosPosition(idv, i * s, s), 1));
        Tensor pooled = b.concat(0, picked);                                            // (B, D)
        Tensor embeds = projection == null ? null : projection.forward(b, pooled);
        return new Output(normed, pooled, embeds, states);
    }

    /**
     * The prompt embedding diffusers' Stable Diffusion pipelines feed the UNet: {@code last_hidden_state}
     * when {@code clipSkip == 0}, else {@code final_layer_norm(hidden_states[-(clipSkip + 1)])}. (SD 2.x's
     * checkpoints already drop OpenCLIP's last layer: num_hidden_layers = 23, clipSkip 0.) Only the layers
     * needed are run.
     */
    public Tensor encodePrompt(Backend b, Tensor ids, int clipSkip) {
        checkIds(ids);
        if (clipSkip < 0 || clipSkip >= encoder.layers()) throw new IllegalArgumentException("clip_skip " + clipSkip + " must be in [0, " + (encoder.layers() - 1) + "]");
        int s = ids.dim(1);
        try (Scope sc = Scope.open()) {
            Tensor h = tokens.forward(b, b.toDevice(ids));
            b.binary(BinaryOp.ADD, h, positions.narrow(0, 0, s), h);
            Tensor out = encoder.forward(b, h, null, true, encoder.layers() - clipSkip, null);
            return sc.keep(finalNorm.forward(b, out));
        }
    }

    private int eosPosition(int[] ids, int from, int n) {
        int best = 0;
        if (config.eos_token_id() == 2) {
            for (int j = 1; j < n; j++) if (ids[from + j] > ids[from + best]) best = j;
        } else {
            for (int j = 0; j < n; j++) if (ids[from + j] == config.eos_token_id()) return j;
        }
        return best;
    }

    /** (B, S) of 1/0 → an additive (B, 1, 1, S) mask: −∞ at padding keys. */
    private static Tensor paddingMask(Backend b, Tensor attentionMask, int bs, int s) {
        if (attentionMask.rank() != 2 || attentionMask.dim(0) != bs || attentionMask.dim(1) != s) {
            throw new IllegalArgumentException("attention_mask must be (" + bs + ", " + s + ") like the ids, got " + attentionMask.describe());
        }
        float[] m = attentionMask.toFloatArray();
        for (int i = 0; i < m.length; i++) m[i] = m[i] == 0 ? Float.NEGATIVE_INFINITY : 0;
        return b.toDevice(Tensor.fromFloats(m, bs, 1, 1, s));
    }

    private void checkIds(Tensor ids) {
        if (ids.rank() != 2 || ids.dim(1) < 1 || ids.dim(1) > config.max_position_embeddings()) {
            throw new IllegalArgumentException("text ids must be (B, S) with 1 ≤ S ≤ max_position_embeddings " + config.max_position_embeddings() + ", got " + ids.describe());
        }
        if (ids.dtype() != DType.I32 && ids.dtype() != DType.I64) throw new IllegalArgumentException("text ids must be I32 or I64, got " + ids.dtype());
    }
}
