package dev.codi4j.models.diffusion.schedulers;

import static dev.codi4j.models.diffusion.DiffusionFixtures.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.SchedulerConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.DiffusionFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scheduler against diffusers v0.27.2's own classes (fixtures from
 * {@code tools/fixtures/diffusion_schedulers.py}): timestep tables and init σ to 1e-6, ᾱ to 5e-6
 * relative, and a whole denoising chain (scale_model_input and step at every step, fed our own
 * previous sample) within 2e-5 + 2e-5·|x| — the chain amplifies float32 rounding only mildly.
 */
class SchedulerParityTest {
    static Weights w;
    static JsonObject meta;

    @BeforeAll static void open() {
        w = DiffusionFixtures.weights("schedulers.safetensors");
        meta = DiffusionFixtures.json("schedulers.json").getAsJsonObject("cases");
    }

    @AfterAll static void close() { w.close(); }

    static float[] f(String name) { return w.get(name).toFloatArray(); }

    @TestFactory Stream<DynamicTest> matchesDiffusers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, com.google.gson.JsonElement> e : meta.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey(), () -> check(e.getKey(), e.getValue().getAsJsonObject())));
        }
        return tests.stream();
    }

    static void check(String name, JsonObject c) throws FormatException {
        String p = name + ".";
        SchedulerConfig cfg = SchedulerConfig.from(ConfigJson.parse(c.getAsJsonObject("config").toString(), name));
        Scheduler s = Schedulers.create(cfg);
        float eta = c.get("eta").getAsFloat();
        if (eta > 0) ((DDIMScheduler) s).eta(eta);
        s.setTimesteps(c.get("steps").getAsInt());
        float[] ts = f(p + "timesteps");
        assertClose(name + " timesteps", ts, s.timesteps(), 0, 1e-6);
        if (w.contains(p + "alphas_cumprod")) {
            NoiseSchedule ns = NoiseSchedule.of(cfg);
            assertClose(name + " alphas_cumprod", f(p + "alphas_cumprod"), ns.alphasCumprod(), 1e-9, 5e-6);
        }
        assertClose(name + " init_noise_sigma", f(p + "init_noise_sigma"), new float[] {s.initNoiseSigma()}, 0, 1e-6);
        int draws = c.get("noise_draws").getAsInt();
        int[] next = {0};
        NoiseSource noise = n -> {
            assertTrue(next[0] < draws, name + ": the scheduler drew more noise than diffusers did");
            return f(p + "noise." + next[0]++);
        };
        float[] sample = f(p + "sample0");
        for (int i = 0; i < ts.length; i++) {
            float[] scaled = s.scaleModelInput(sample, i);
            assertClose(name + " scaled " + i, f(p + "scaled." + i), scaled, 2e-5, 2e-5);
            sample = s.step(f(p + "model_output." + i), i, sample, noise);
            assertClose(name + " step " + i, f(p + "prev." + i), sample, 2e-5, 2e-5);
        }
        Scheduler s2 = Schedulers.create(cfg);
        s2.setTimesteps(c.get("steps").getAsInt());
        float[] added = s2.addNoise(f(p + "add_noise.original"), f(p + "add_noise.noise"), c.get("add_noise_index").getAsInt());
        assertClose(name + " add_noise", f(p + "add_noise.out"), added, 1e-6, 1e-6);
    }

    @Test void chainsAreNotTrivial() {
        // a step that returned its input would pass a loose comparison of nearly-equal values; make sure steps move
        float[] a = f("dpmpp_2m_eps.sample0"), b = f("dpmpp_2m_eps.prev.0");
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        assertTrue(d > 0.01, "fixture steps change the sample by " + d);
    }

    @Test void aliasesSwitchSchedulerKeepingTheFileSettings() throws Exception {
        ConfigJson ddim = ConfigJson.parse("""
                {"_class_name": "DDIMScheduler", "beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012,
                 "prediction_type": "v_prediction", "steps_offset": 1, "set_alpha_to_one": false, "clip_sample": false}""", "scheduler_config.json");
        Scheduler k = Schedulers.fromJson(ddim, "dpm++2m-karras");
        assertEquals("DPMSolverMultistepScheduler", k.config()._class_name());
        assertTrue(k.config().use_karras_sigmas());
        assertEquals("v_prediction", k.config().prediction_type());
        assertEquals("linspace", k.config().timestep_spacing(), "Euler/DPM default spacing applies when the file has none, as in from_config");
        FormatException bad = assertThrows(FormatException.class, () -> Schedulers.fromJson(ddim, "heun"));
        assertTrue(bad.getMessage().contains("scheduler_config.json") && bad.getMessage().contains("heun"), bad.getMessage());
    }

    @Test void badConfigsAreExplained() {
        FormatException e = assertThrows(FormatException.class, () -> SchedulerConfig.from(ConfigJson.parse(
                "{\"_class_name\": \"DDIMScheduler\", \"timestep_spacing\": \"uniform\"}", "s.json")));
        assertTrue(e.getMessage().contains("timestep_spacing") && e.getMessage().contains("uniform"), e.getMessage());
        e = assertThrows(FormatException.class, () -> SchedulerConfig.from(ConfigJson.parse(
                "{\"_class_name\": \"DDIMScheduler\", \"num_train_timesteps\": \"many\"}", "s.json")));
        assertTrue(e.getMessage().contains("num_train_timesteps"), e.getMessage());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> {
            Scheduler s = Schedulers.create(SchedulerConfig.from(ConfigJson.parse("{\"_class_name\": \"DDIMScheduler\"}", "s.json")));
            s.setTimesteps(1001);
        });
        assertTrue(tooMany.getMessage().contains("1001"), tooMany.getMessage());
        FormatException thr = assertThrows(FormatException.class, () -> Schedulers.fromJson(ConfigJson.parse(
                "{\"_class_name\": \"DDPMScheduler\", \"thresholding\": true}", "scheduler_config.json"), null));
        assertTrue(thr.getMessage().contains("scheduler_config.json") && thr.getMessage().contains("thresholding"), thr.getMessage());
    }
}
