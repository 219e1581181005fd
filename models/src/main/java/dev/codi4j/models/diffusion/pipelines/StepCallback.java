package dev.codi4j.models.diffusion.pipelines;

/**
 * Called after every denoising step (for progress bars and previews). Returning false cancels the
 * generation: {@link DiffusionPipeline#generate} then throws {@link java.util.concurrent.CancellationException}
 * before decoding, leaving no output behind.
 */
@FunctionalInterface
public interface StepCallback {
    /**
     * @param step steps done so far (1 … total)
     * @param timestep the timestep just denoised
     * @param latents the current latents (flattened, unscaled); do not modify
     */
    boolean onStep(int step, int total, float timestep, float[] latents);

    StepCallback NONE = (s, t, ts, l) -> true;
}
