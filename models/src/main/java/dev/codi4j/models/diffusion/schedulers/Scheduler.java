package dev.codi4j.models.diffusion.schedulers;

import dev.codi4j.loaders.config.SchedulerConfig;

/**
 * A diffusion sampler as in diffusers, as pure math over host float arrays (a latent of 4×96×96 is
 * 36 864 floats, so the per-step cost is negligible next to the UNet). Steps are addressed by their
 * index in {@link #timesteps()}; the value at that index is what the UNet is conditioned on.
 *
 * <p>Usage per generation: {@link #setTimesteps}, then for each index i: UNet input =
 * {@link #scaleModelInput}(x, i), x = {@link #step}(unet output, i, x, noise). Schedulers with
 * history (DPM-Solver, PNDM) reset it in {@link #setTimesteps}; an instance serves one generation at a
 * time.
 */
public interface Scheduler {

    SchedulerConfig config();

    /** Chooses the timesteps for {@code numInferenceSteps} steps (diffusers' {@code set_timesteps}). */
    void setTimesteps(int numInferenceSteps);

    /** The timesteps the UNet sees, first to last (a copy). Integers for DDIM/DDPM/PNDM/DPM, fractional for Euler. */
    float[] timesteps();

    default int numSteps() { return timesteps().length; }

    /** The standard deviation of the initial noise (1, or σ_max for Euler-type schedulers). */
    float initNoiseSigma();

    /** diffusers' {@code scale_model_input}: the latent as the UNet expects it at step {@code index}. */
    float[] scaleModelInput(float[] sample, int index);

    /**
     * One denoising step: from the UNet's output at step {@code index} and the current sample to the
     * sample of the next step. {@code noise} is drawn only by stochastic schedulers.
     */
    float[] step(float[] modelOutput, int index, float[] sample, NoiseSource noise);

    /**
     * Noises a clean sample to the noise level of step {@code index} (img2img: the first step run),
     * diffusers' {@code add_noise} with that step's timestep.
     */
    float[] addNoise(float[] original, float[] noise, int index);

    /** A short name for metadata and logs ("ddim", "euler_a", "dpm++2m-karras", ...). */
    String name();
}
