package dev.codi4j.models.clip;

import dev.codi4j.tensor.UnaryOp;

/**
 * Shape and numerics of a pre-LN CLIP-style transformer: {@code layers} blocks of width {@code width},
 * {@code heads} attention heads, an MLP of {@code mlpDim} with {@code activation} (GELU for OpenCLIP
 * ViT-H and ImageBind, QUICK_GELU for OpenAI CLIP), LayerNorm epsilon {@code eps} (1e-5 in HF CLIP,
 * 1e-6 in ImageBind), and {@code biasKv}: nn.MultiheadAttention's {@code add_bias_kv} (one learned key
 * and value appended to every sequence; ImageBind's audio, depth, thermal and IMU trunks).
 */
public record TransformerConfig(int width, int layers, int heads, int mlpDim, UnaryOp activation, float eps, boolean biasKv) {
    public TransformerConfig {
        if (width <= 0 || layers < 0 || heads <= 0 || mlpDim <= 0) throw new IllegalArgumentException("transformer sizes must be positive: " + this);
        if (width % heads != 0) throw new IllegalArgumentException("width " + width + " is not a multiple of heads " + heads);
    }

    public int headDim() { return width / heads; }

    /** Multiply-adds of one forward pass over {@code tokens} tokens (×2 for FLOPs), attention included. */
    public double macs(long batch, long tokens) {
        long kv = tokens + (biasKv ? 1 : 0);
        double perToken = 4.0 * width * width + 2.0 * width * mlpDim; // qkv + out, fc1 + fc2
        double attn = 2.0 * tokens * kv * width;                     // q·kᵀ and p·v
        return layers * batch * (tokens * perToken + attn);
    }
}
