package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A diffusers scheduler config ({@code scheduler/scheduler_config.json}) for the DDIM, DDPM, PNDM,
 * Euler and DPM-Solver families. Defaults depend on {@code _class_name} exactly where diffusers'
 * do (timestep_spacing, clip_sample, set_alpha_to_one, ...).
 */
public record SchedulerConfig(String _class_name, int num_train_timesteps, double beta_start, double beta_end, String beta_schedule,
        double[] trained_betas, String prediction_type, String timestep_spacing, int steps_offset, boolean clip_sample,
        double clip_sample_range, boolean set_alpha_to_one, String variance_type, boolean thresholding, double dynamic_thresholding_ratio,
        double sample_max_value, boolean rescale_betas_zero_snr, boolean skip_prk_steps, boolean use_karras_sigmas, int solver_order,
        String algorithm_type) {

    public static SchedulerConfig load(Path json) throws IOException { return from(ConfigJson.read(json)); }

    public static SchedulerConfig from(ConfigJson c) throws FormatException {
        String cls = c.optString("_class_name", "DDIMScheduler");
        boolean karrasFamily = cls.startsWith("Euler") || cls.startsWith("DPMSolver") || cls.startsWith("KDPM") || cls.startsWith("Heun");
        boolean clipDefault = cls.equals("DDIMScheduler") || cls.equals("DDPMScheduler");
        String schedule = c.optString("beta_schedule", "linear");
        if (!schedule.equals("linear") && !schedule.equals("scaled_linear") && !schedule.equals("squaredcos_cap_v2") && !c.has("trained_betas"))
            throw new FormatException(c.source(), "beta_schedule \"" + schedule + "\" is not one of linear, scaled_linear, squaredcos_cap_v2");
        String pred = c.optString("prediction_type", "epsilon");
        if (!pred.equals("epsilon") && !pred.equals("v_prediction") && !pred.equals("sample"))
            throw new FormatException(c.source(), "prediction_type \"" + pred + "\" is not one of epsilon, v_prediction, sample");
        return new SchedulerConfig(cls, c.optInt("num_train_timesteps", 1000), c.optDouble("beta_start", 0.0001), c.optDouble("beta_end", 0.02),
                schedule, c.optDoubles("trained_betas", null), pred, c.optString("timestep_spacing", karrasFamily ? "linspace" : "leading"),
                c.optInt("steps_offset", 0), c.optBool("clip_sample", clipDefault), c.optDouble("clip_sample_range", 1.0),
                c.optBool("set_alpha_to_one", true), c.optString("variance_type", "fixed_small"), c.optBool("thresholding", false),
                c.optDouble("dynamic_thresholding_ratio", 0.995), c.optDouble("sample_max_value", 1.0), c.optBool("rescale_betas_zero_snr", false),
                c.optBool("skip_prk_steps", false), c.optBool("use_karras_sigmas", false), c.optInt("solver_order", 2),
                c.optString("algorithm_type", "dpmsolver++"));
    }

    /** stable-diffusion-2-1-unclip's sampling scheduler: DDIM, v-prediction, scaled-linear betas. */
    public static SchedulerConfig sd21UnclipDdim() {
        return new SchedulerConfig("DDIMScheduler", 1000, 0.00085, 0.012, "scaled_linear", null, "v_prediction", "leading", 1, false, 1.0,
                false, "fixed_small", false, 0.995, 1.0, false, false, false, 2, "dpmsolver++");
    }

    /** stable-diffusion-2-1-unclip's image_noising_scheduler: DDPM with the squared-cosine schedule (noise augmentation of the image embedding). */
    public static SchedulerConfig sd21UnclipNoising() {
        return new SchedulerConfig("DDPMScheduler", 1000, 0.0001, 0.02, "squaredcos_cap_v2", null, "epsilon", "leading", 0, true, 1.0,
                true, "fixed_small", false, 0.995, 1.0, false, false, false, 2, "dpmsolver++");
    }
}
