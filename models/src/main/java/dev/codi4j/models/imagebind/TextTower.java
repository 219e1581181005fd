package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.clip.ClipTransformer;
import dev.codi4j.models.clip.TransformerConfig;
import dev.codi4j.models.clip.TransformerNaming;
import dev.codi4j.models.nn.Embedding;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;

/**
 * ImageBind's text tower, the OpenCLIP ViT-H/14 text transformer: token + learned position embedding
 * over the full context (77), causal blocks, then {@code SelectEOSAndProject} — the features at the
 * highest token id (the end-of-text token, CLIP's largest id) → LayerNorm → Linear without bias — and
 * normalisation × the learned logit scale.
 */
final class TextTower {
    private final Embedding tokens;
    private final Tensor pos;          // (1, ctx, D)
    private final ClipTransformer trunk;
    private final LayerNorm headNorm;
    private final Linear headProj;
    private final float scale;

    private TextTower(Embedding tokens, Tensor pos, ClipTransformer trunk, LayerNorm headNorm, Linear headProj, float scale) {
        this.tokens = tokens;
        this.pos = pos;
        this.trunk = trunk;
        this.headNorm = headNorm;
        this.headProj = headProj;
        this.scale = scale;
    }

    static TextTower load(Backend b, Weights root, ImageBindConfig c, DType weightDType) {
        int d = c.text().embedDim();
        Weights pre = root.pp("modality_preprocessors.text");
        Embedding emb = Embedding.load(b, pre.pp("token_embedding"), c.textVocabSize(), d, weightDType);
        Tensor pos = b.toDevice(pre.get("pos_embed", DType.F32, 1, c.textContextLength(), d));
        TransformerConfig tc = new TransformerConfig(d, c.text().numBlocks(), c.text().numHeads(), 4 * d, UnaryOp.GELU, 1e-6f, false);
        ClipTransformer trunk = ClipTransformer.load(b, root.pp("modality_trunks.text"), tc, TransformerNaming.IMAGEBIND, weightDType);
        Weights head = root.pp("modality_heads.text.proj");
        return new TextTower(emb, pos, trunk,
                LayerNorm.load(b, head.pp("0"), d, 1e-6f),
                Linear.load(b, head.pp("1"), d, c.outEmbedDim(), false, weightDType),
                PatchTower.logitScale(root.pp("modality_postprocessors.text.1")));
    }

    int contextLength() { return pos.dim(1); }

    int vocabSize() { return tokens.table().dim(0); }

    TransformerConfig trunkConfig() { return trunk.config(); }

    /** ids (B, ctx) I32/I64 on the host → the causal trunk's output (B, ctx, D). */
    Tensor tokens(Backend b, Tensor ids) {
        checkIds(ids);
        try (Scope s = Scope.open()) {
            Tensor h = tokens.forward(b, b.toDevice(ids));                          // (B, ctx, D)
            b.binary(BinaryOp.ADD, h, pos, h);
            return s.keep(trunk.forward(b, h, null, true));
        }
    }

    /** Postprocessed embeddings (B, out): normalised × logit scale, as the official forward returns. */
    Tensor embed(Backend b, Tensor ids) {
        int[] rows = ids.toIntArray();
        int bs = ids.dim(0), n = ids.dim(1);
        try (Scope s = Scope.open()) {
            Tensor h = tokens(b, ids);
            List<Tensor> picked = new ArrayList<>(bs);
            for (int i = 0; i < bs; i++) picked.add(h.select(0, i).narrow(0, eot(rows, i * n, n), 1)); // (1, D)
            Tensor pooled = b.concat(0, picked);                                   // (B, D)
            Tensor e = headProj.forward(b, headNorm.forward(b, pooled));
            return s.keep(Postprocess.normalizeAndScale(b, e, scale));
        }
    }

    /** text.argmax(dim=-1): the first position of the largest id. */
    static int eot(int[] ids, int from, int n) {
        int best = 0;
        for (int j = 1; j < n; j++) if (ids[from + j] > ids[from + best]) best = j;
        return best;
    }

    private void checkIds(Tensor ids) {
        if (ids.rank() != 2 || ids.dim(1) != contextLength()) {
            throw new IllegalArgumentException("text token ids must be (B, " + contextLength() + ") (padded with 0 like ImageBind's tokenizer), got " + ids.describe());
        }
        if (ids.dtype() != DType.I32 && ids.dtype() != DType.I64) throw new IllegalArgumentException("text token ids must be I32 or I64, got " + ids.dtype());
    }
}
