package dev.codi4j.models.clip;

/**
 * Where a pre-LN CLIP transformer block keeps its tensors in each checkpoint family. One block
 * implementation ({@link ClipBlock}) reads all of them; only the names differ.
 */
public enum TransformerNaming {
    /**
     * HF transformers {@code CLIPEncoderLayer}: {@code encoder.layers.N.layer_norm1},
     * {@code self_attn.{q,k,v,out}_proj}, {@code layer_norm2}, {@code mlp.fc1/fc2}.
     */
    HF("layers.", "layer_norm1", "layer_norm2", "self_attn.", "out_proj", "mlp.fc1", "mlp.fc2"),
    /**
     * ImageBind's {@code SimpleTransformer} ({@code BlockWithMasking} around {@code nn.MultiheadAttention}):
     * {@code blocks.N.norm_1}, {@code attn.in_proj_weight/in_proj_bias} (fused q, k, v),
     * {@code attn.out_proj}, optional {@code attn.bias_k/bias_v}, {@code norm_2}, {@code mlp.fc1/fc2}.
     */
    IMAGEBIND("blocks.", "norm_1", "norm_2", "attn.", "out_proj", "mlp.fc1", "mlp.fc2");

    final String blocks, norm1, norm2, attn, outProj, fc1, fc2;

    TransformerNaming(String blocks, String norm1, String norm2, String attn, String outProj, String fc1, String fc2) {
        this.blocks = blocks;
        this.norm1 = norm1;
        this.norm2 = norm2;
        this.attn = attn;
        this.outProj = outProj;
        this.fc1 = fc1;
        this.fc2 = fc2;
    }

    /** Whether q, k and v are one fused {@code in_proj} tensor (nn.MultiheadAttention) rather than three Linears. */
    boolean fusedQkv() { return this == IMAGEBIND; }
}
