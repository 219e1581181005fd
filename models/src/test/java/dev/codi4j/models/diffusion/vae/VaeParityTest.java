package dev.codi4j.models.diffusion.vae;

import static dev.codi4j.models.diffusion.DiffusionFixtures.assertClose;
import static dev.codi4j.models.diffusion.DiffusionFixtures.cosine;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.DiffusionFixtures;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AutoencoderKL against diffusers v0.27.2's module on a tiny random config: encoder moments, decoder,
 * tiled decode/encode with blending; max |diff| ≤ 2e-4 + 2e-3·|expected|, cosine ≥ 0.99999.
 */
class VaeParityTest {
    static Backend b;
    static Weights w, io;
    static AutoencoderKL vae;

    @BeforeAll static void load() throws Exception {
        b = Backends.create("cpu");
        w = DiffusionFixtures.weights("vae/model.safetensors");
        io = DiffusionFixtures.weights("vae/io.safetensors");
        vae = new AutoencoderKL(b, w, AutoencoderKLConfig.load(DiffusionFixtures.path("vae/config.json")), null);
    }

    @AfterAll static void close() { w.close(); io.close(); b.close(); }

    static void check(String what, Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        assertClose(what, e, a, 2e-4, 2e-3);
        assertTrue(cosine(e, a) >= 0.99999, what + ": cosine " + cosine(e, a));
    }

    @Test void readsEveryTensor() { assertTrue(w.unused().isEmpty(), "unused: " + w.unused()); }

    @Test void encodeGivesTheLatentDistribution() {
        LatentDistribution d = vae.encode(b, io.get("image"));
        check("mean", io.get("mean"), d.mean());
        check("logvar", io.get("logvar"), d.logvar());
    }

    @Test void decodeMatches() { check("decode", io.get("decoded"), vae.decode(b, io.get("latents"))); }

    @Test void tiledDecodeBlendsLikeDiffusers() {
        vae.tiling(16, 0.25);
        check("tiled decode 13×11 latents in 8×8 tiles", io.get("tiled_decoded"), vae.decodeMaybeTiled(b, io.get("tiled_latents")));
        check("tiled encode 40×24 image in 16×16 tiles", io.get("tiled_mean"), vae.tiledEncode(b, io.get("tiled_image")).mean());
    }

    @Test void readsPre014AttentionNames() {
        Map<String, Tensor> m = new HashMap<>();
        for (String k : w.keys()) {
            String n = k.replace("attentions.0.to_q.", "attentions.0.query.").replace("attentions.0.to_k.", "attentions.0.key.")
                    .replace("attentions.0.to_v.", "attentions.0.value.").replace("attentions.0.to_out.0.", "attentions.0.proj_attn.");
            Tensor t = w.get(k);
            // the oldest checkpoints hold these projections as 1×1 convolution kernels
            if (n.contains("attentions.0.") && n.endsWith(".weight") && !n.contains("group_norm")) t = t.view(t.dim(0), t.dim(1), 1, 1);
            m.put(n, t);
        }
        AutoencoderKL old = new AutoencoderKL(b, Weights.of(m), vae.config(), null);
        check("decode with legacy names", io.get("decoded"), old.decode(b, io.get("latents")));
    }
}
