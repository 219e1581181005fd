package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.media.Image;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Generated images: {@code pixels} (N, 3, H, W) F32 on the 0..1 scale (diffusers' postprocess before
 * the uint8 conversion), the final latents (N × C × h × w, unscaled), and the metadata to store with
 * each image (prompt, seed, steps, scheduler, guidance, ...).
 */
public record GenerationResult(Tensor pixels, float[] latents, Map<String, String> metadata) {

    /** The images, 8-bit on conversion as diffusers' {@code numpy_to_pil} (×255, round half to even). */
    public List<Image> images() {
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < pixels.dim(0); i++) out.add(Image.fromTensor(pixels.select(0, i).contiguous()).toBytes());
        return out;
    }
}
