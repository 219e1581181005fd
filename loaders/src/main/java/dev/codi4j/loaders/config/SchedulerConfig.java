package dev.codi4j.loaders.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json}: the union of the fields of the schedulers codi4j
 * implements, named as upstream. Defaults depend on the scheduler class exactly as in diffusers
 * ({@code timestep_spacing} is "leading" for DDIM/DDPM/PNDM but "linspace" for Euler and
 * DPM-Solver; {@code set_alpha_to_one} is true for DDIM but false for PNDM, ...), so
 * {@link #parse(JsonFields, String)} can re-read a config for another scheduler class the way
 * diffusers' {@code from_config} does.
 *
 * @param className one of {@link #SUPPORTED}
 * @param trainedBetas explicit betas, or null
 */
public record SchedulerConfig(String className, int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
        double[] trainedBetas, String predictionType, String timestepSpacing, int stepsOffset, boolean clipSample,
        double clipSampleRange, boolean setAlphaToOne, String varianceType, boolean rescaleBetasZeroSnr,
        boolean useKarrasSigmas, int solverOrder, String algorithmType, String solverType, boolean lowerOrderFinal,
        boolean eulerAtFinal, String finalSigmasType, double lambdaMinClipped, boolean skipPrkSteps,
        String interpolationType, String timestepType, Double sigmaMin, Double sigmaMax) {

    public static final Set<String> SUPPORTED = Set.of("DDIMScheduler", "DDPMScheduler", "EulerDiscreteScheduler",
            "EulerAncestralDiscreteScheduler", "DPMSolverMultistepScheduler", "PNDMScheduler");

    public static SchedulerConfig read(Path file) throws IOException { return parse(JsonFields.read(file), null); }

    /**
     * Reads a scheduler config; {@code className} (e.g. "EulerDiscreteScheduler") overrides the file's
     * {@code _class_name}, with that class's defaults for the fields the file lacks.
     */
    public static SchedulerConfig parse(JsonFields j, String className) throws ConfigException {
        String cls = className != null ? className : j.string("_class_name", null);
        if (cls == null) throw j.error("has no '_class_name'; name the scheduler (e.g. DDIMScheduler)");
        if (!SUPPORTED.contains(cls)) throw j.error("scheduler '" + cls + "' is not supported; codi4j implements " + new java.util.TreeSet<>(SUPPORTED));
        boolean ddim = cls.equals("DDIMScheduler"), ddpm = cls.equals("DDPMScheduler"), pndm = cls.equals("PNDMScheduler");
        boolean dpm = cls.equals("DPMSolverMultistepScheduler");
        String spacingDefault = ddim || ddpm || pndm ? "leading" : "linspace";
        String spacing = j.string("timestep_spacing", spacingDefault);
        if (!Set.of("leading", "trailing", "linspace").contains(spacing)) throw j.error("timestep_spacing '" + spacing + "' is not one of leading, trailing, linspace");
        String beta = j.string("beta_schedule", "linear");
        if (!Set.of("linear", "scaled_linear", "squaredcos_cap_v2").contains(beta)) throw j.error("beta_schedule '" + beta + "' is not supported; codi4j implements linear, scaled_linear, squaredcos_cap_v2");
        String pred = j.string("prediction_type", "epsilon");
        if (!Set.of("epsilon", "v_prediction", "sample").contains(pred)) throw j.error("prediction_type '" + pred + "' is not one of epsilon, v_prediction, sample");
        boolean thresholding = j.bool("thresholding", false);
        if (thresholding) throw j.error("dynamic thresholding (thresholding: true) is not implemented; set it to false");
        String variance = j.string("variance_type", ddpm ? "fixed_small" : null);
        if (ddpm && !Set.of("fixed_small", "fixed_small_log", "fixed_large", "fixed_large_log").contains(variance))
            throw j.error("variance_type '" + variance + "' is not supported for DDPM; codi4j implements fixed_small(_log) and fixed_large(_log)");
        String algo = j.string("algorithm_type", "dpmsolver++");
        if (dpm && !Set.of("dpmsolver++", "dpmsolver", "deis").contains(algo)) throw j.error("algorithm_type '" + algo + "' is not supported; codi4j implements dpmsolver++ and dpmsolver (deis maps to dpmsolver++ as in diffusers)");
        if (algo.equals("deis")) algo = "dpmsolver++";
        String solver = j.string("solver_type", "midpoint");
        if (Set.of("logrho", "bh1", "bh2").contains(solver)) solver = "midpoint";
        if (dpm && !Set.of("midpoint", "heun").contains(solver)) throw j.error("solver_type '" + solver + "' is not one of midpoint, heun");
        String finalSigmas = j.string("final_sigmas_type", "zero");
        if (dpm && !Set.of("zero", "sigma_min").contains(finalSigmas)) throw j.error("final_sigmas_type '" + finalSigmas + "' is not one of zero, sigma_min");
        if (dpm && finalSigmas.equals("zero") && !algo.equals("dpmsolver++")) throw j.error("final_sigmas_type 'zero' needs algorithm_type dpmsolver++ (as diffusers requires); use sigma_min");
        if (dpm && j.bool("use_lu_lambdas", false)) throw j.error("use_lu_lambdas is not implemented");
        int order = j.integer("solver_order", 2);
        if (dpm && (order < 1 || order > 3)) throw j.error("solver_order " + order + " is not 1, 2 or 3");
        String interp = j.string("interpolation_type", "linear");
        if (!interp.equals("linear") && !interp.equals("log_linear")) throw j.error("interpolation_type '" + interp + "' is not one of linear, log_linear");
        int T = j.integer("num_train_timesteps", 1000);
        if (T < 2 || T > 100_000) throw j.error("num_train_timesteps " + T + " is out of range");
        double[] trained = j.numbers("trained_betas");
        if (trained != null && trained.length != T) throw j.error("trained_betas has " + trained.length + " values, num_train_timesteps is " + T);
        return new SchedulerConfig(cls, T, j.number("beta_start", 0.0001), j.number("beta_end", 0.02), beta, trained, pred, spacing,
                j.integer("steps_offset", 0), j.bool("clip_sample", ddim || ddpm), j.number("clip_sample_range", 1.0),
                j.bool("set_alpha_to_one", ddim), variance, j.bool("rescale_betas_zero_snr", false), j.bool("use_karras_sigmas", false),
                order, algo, solver, j.bool("lower_order_final", true), j.bool("euler_at_final", false), finalSigmas,
                j.number("lambda_min_clipped", Double.NEGATIVE_INFINITY), j.bool("skip_prk_steps", false), interp,
                j.string("timestep_type", "discrete"), j.optNumber("sigma_min"), j.optNumber("sigma_max"));
    }
}
