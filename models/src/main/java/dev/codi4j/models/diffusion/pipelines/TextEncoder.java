package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import java.util.List;

/**
 * Prompt → the hidden states the UNet cross-attends to: for SD 2.x the OpenCLIP-H text tower's
 * penultimate layer (after the final LayerNorm, as diffusers' CLIPTextModel with the converted
 * checkpoint gives), for SD 1.x / InstructPix2Pix OpenAI CLIP-L's last layer; 77 tokens, padded.
 */
public interface TextEncoder {
    /** (prompts.size(), tokens, hiddenSize()) F32 on {@code b}'s device. */
    Tensor encode(Backend b, List<String> prompts);

    /** Width of the hidden states (the UNet's cross_attention_dim). */
    int hiddenSize();
}
