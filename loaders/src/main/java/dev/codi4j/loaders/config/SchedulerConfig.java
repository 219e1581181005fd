package dev.codi4j.loaders.config;

import dev.codi4j.loaders.FormatException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A diffusers scheduler config ({@code scheduler/scheduler_config.json}) for the DDIM, DDPM, PNDM,
 * Euler and DPM-Solver families: the union of their fields, named as upstream. Defaults depend on
 * {@code _class_name} exactly where diffusers' do (timestep_spacing "leading" for DDIM/DDPM/PNDM but
 * "linspace" for Euler/DPM-Solver; clip_sample true for DDIM/DDPM; set_alpha_to_one true for DDIM,
 * false for PNDM; variance_type fixed_small for DDPM), so {@link #from(ConfigJson, String)} can read
 * one scheduler's file for another class the way diffusers' {@code from_config} does.
 */
public record SchedulerConfig(String _class_name, int num_train_timesteps, double beta_start, double beta_end, String beta_schedule,
        double[] trained_betas, String prediction_type, String timestep_spacing, int steps_offset, boolean clip_sample,
        double clip_sample_range, boolean set_alpha_to_one, String variance_type, boolean thresholding, double dynamic_thresholding_ratio,
        double sample_max_value, boolean rescale_betas_zero_snr, boolean skip_prk_steps, boolean use_karras_sigmas, int solver_order,
        String algorithm_type, String solver_type, boolean lower_order_final, boolean euler_at_final, String final_sigmas_type,
        double lambda_min_clipped, String interpolation_type, String timestep_type, Double sigma_min, Double sigma_max) {

    /** Scheduler classes whose fields this record covers. */
    public static final Set<String> FAMILIES = Set.of("DDIMScheduler", "DDPMScheduler", "PNDMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler");

    public static SchedulerConfig load(Path json) throws IOException { return from(ConfigJson.read(json)); }

    public static SchedulerConfig from(ConfigJson c) throws FormatException { return from(c, null); }

    /**
     * Reads a scheduler config; {@code className} (e.g. "EulerDiscreteScheduler"), when given,
     * replaces the file's {@code _class_name} and that class's defaults apply to the fields the file lacks.
     */
    public static SchedulerConfig from(ConfigJson c, String className) throws FormatException {
        String cls = className != null ? className : c.optString("_class_name", "DDIMScheduler");
        boolean karrasFamily = cls.startsWith("Euler") || cls.startsWith("DPMSolver") || cls.startsWith("KDPM") || cls.startsWith("Heun");
        boolean clipDefault = cls.equals("DDIMScheduler") || cls.equals("DDPMScheduler");
        String schedule = c.optString("beta_schedule", "linear");
        if (!schedule.equals("linear") && !schedule.equals("scaled_linear") && !schedule.equals("squaredcos_cap_v2") && !c.has("trained_betas"))
            throw new FormatException(c.source(), "beta_schedule \"" + schedule + "\" is not one of linear, scaled_linear, squaredcos_cap_v2");
        String pred = c.optString("prediction_type", "epsilon");
        if (!pred.equals("epsilon") && !pred.equals("v_prediction") && !pred.equals("sample"))
            throw new FormatException(c.source(), "prediction_type \"" + pred + "\" is not one of epsilon, v_prediction, sample");
        String spacing = c.optString("timestep_spacing", karrasFamily ? "linspace" : "leading");
        if (!spacing.equals("leading") && !spacing.equals("trailing") && !spacing.equals("linspace"))
            throw new FormatException(c.source(), "timestep_spacing \"" + spacing + "\" is not one of leading, trailing, linspace");
        int steps = c.optInt("num_train_timesteps", 1000);
        if (steps < 2 || steps > 100_000) throw new FormatException(c.source(), "num_train_timesteps " + steps + " is out of range [2, 100000]");
        double[] trained = c.optDoubles("trained_betas", null);
        if (trained != null && trained.length != steps)
            throw new FormatException(c.source(), "trained_betas has " + trained.length + " values but num_train_timesteps is " + steps);
        String algo = c.optString("algorithm_type", "dpmsolver++");
        if (algo.equals("deis")) algo = "dpmsolver++"; // as DPMSolverMultistepScheduler.__init__ does
        String solver = c.optString("solver_type", "midpoint");
        if (solver.equals("logrho") || solver.equals("bh1") || solver.equals("bh2")) solver = "midpoint";
        return new SchedulerConfig(cls, steps, c.optDouble("beta_start", 0.0001), c.optDouble("beta_end", 0.02),
                schedule, trained, pred, spacing, c.optInt("steps_offset", 0), c.optBool("clip_sample", clipDefault),
                c.optDouble("clip_sample_range", 1.0), c.optBool("set_alpha_to_one", !cls.equals("PNDMScheduler")),
                c.optString("variance_type", cls.equals("DDPMScheduler") ? "fixed_small" : null), c.optBool("thresholding", false),
                c.optDouble("dynamic_thresholding_ratio", 0.995), c.optDouble("sample_max_value", 1.0), c.optBool("rescale_betas_zero_snr", false),
                c.optBool("skip_prk_steps", false), c.optBool("use_karras_sigmas", false), c.optInt("solver_order", 2), algo, solver,
                c.optBool("lower_order_final", true), c.optBool("euler_at_final", false), c.optString("final_sigmas_type", "zero"),
                c.optDouble("lambda_min_clipped", Double.NEGATIVE_INFINITY), c.optString("interpolation_type", "linear"),
                c.optString("timestep_type", "discrete"), c.optDoubleOrNull("sigma_min"), c.optDoubleOrNull("sigma_max"));
    }

    /** The same config with Karras σ spacing switched on ("DPM++ 2M Karras"). */
    public SchedulerConfig withKarrasSigmas() {
        return new SchedulerConfig(_class_name, num_train_timesteps, beta_start, beta_end, beta_schedule, trained_betas, prediction_type,
                timestep_spacing, steps_offset, clip_sample, clip_sample_range, set_alpha_to_one, variance_type, thresholding,
                dynamic_thresholding_ratio, sample_max_value, rescale_betas_zero_snr, skip_prk_steps, true, solver_order, algorithm_type,
                solver_type, lower_order_final, euler_at_final, final_sigmas_type, lambda_min_clipped, interpolation_type, timestep_type,
                sigma_min, sigma_max);
    }

    /** stable-diffusion-2-1-unclip's sampling scheduler: DDIM, v-prediction, scaled-linear betas. */
    public static SchedulerConfig sd21UnclipDdim() {
        return new SchedulerConfig("DDIMScheduler", 1000, 0.00085, 0.012, "scaled_linear", null, "v_prediction", "leading", 1, false, 1.0,
                false, null, false, 0.995, 1.0, false, false, false, 2, "dpmsolver++", "midpoint", true, false, "zero",
                Double.NEGATIVE_INFINITY, "linear", "discrete", null, null);
    }

    /** stable-diffusion-2-1-unclip's image_noising_scheduler: DDPM with the squared-cosine schedule (noise augmentation of the image embedding). */
    public static SchedulerConfig sd21UnclipNoising() {
        return new SchedulerConfig("DDPMScheduler", 1000, 0.0001, 0.02, "squaredcos_cap_v2", null, "epsilon", "leading", 0, true, 1.0,
                true, "fixed_small", false, 0.995, 1.0, false, false, false, 2, "dpmsolver++", "midpoint", true, false, "zero",
                Double.NEGATIVE_INFINITY, "linear", "discrete", null, null);
    }
}
