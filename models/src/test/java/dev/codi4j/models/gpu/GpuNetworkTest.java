package dev.codi4j.models.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.DiffusionFixtures;
import dev.codi4j.models.diffusion.unet.UNet2DConditionModel;
import dev.codi4j.models.diffusion.vae.AutoencoderKL;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole networks on the GPU backends against the CPU backend, through the plain {@link Backend}
 * interface the models use: the tiny random Llama fixture (also against its PyTorch logits),
 * stories260K when the shared models folder is present, the diffusers UNet and VAE fixtures against
 * PyTorch, a ViT encoder block and a UNet-style block (GroupNorm, SiLU, convolutions, time
 * embedding, spatial attention, upsampling). Each device is
 * skipped with the provider's reason when it is absent. Tolerance: 1e-4 max-abs on logits (as the
 * CPU parity test), 1e-4·(1 + |x|) on block outputs; float sums in a different order are the only
 * difference, so real kernel bugs show up as errors of order 1.
 */
class GpuNetworkTest {
    private static final Map<String, Backend> BACKENDS = new HashMap<>();
    private static Backend cpu;

    static synchronized Backend gpu(String device) {
        Backend b = BACKENDS.get(device);
        if (b != null) return b;
        BackendProvider.Availability why = null;
        for (BackendProvider p : Backends.providers()) if (p.name().equals(device)) { why = p.availability(); if (why.available()) break; }
        BackendProvider.Availability a = why;
        assumeTrue(a != null && a.available(), () -> device + " network tests skipped: " + (a == null ? "no provider on the class path" : a.reason()));
        b = Backends.create(device);
        BACKENDS.put(device, b);
        return b;
    }

    static synchronized Backend cpu() {
        if (cpu == null) cpu = Backends.create("cpu");
        return cpu;
    }

    @AfterAll static synchronized void close() {
        for (Backend b : BACKENDS.values()) b.close();
        BACKENDS.clear();
        if (cpu != null) cpu.close();
        cpu = null;
    }

    static Path llamaDir() {
        try {
            return Path.of(GpuNetworkTest.class.getResource("/fixtures/llama/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static float[] allLogits(Llama m, int[] ids) {
        try (LlamaState st = m.newState(64)) {
            return m.forward(st, ids, Llama.Select.allLogits()).logits().toFloatArray();
        }
    }

    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void tinyLlamaMatchesPyTorchAndCpuForEveryWeightDType(String device) throws IOException {
        Backend g = gpu(device);
        try (Weights expected = Weights.open(llamaDir().resolve("expected.safetensors"))) {
            int[] ids = expected.get("input_ids").toIntArray();
            try (Llama mg = LlamaLoader.load(llamaDir(), g); Llama mc = LlamaLoader.load(llamaDir(), cpu())) {
                float[] got = allLogits(mg, ids), want = expected.get("logits").toFloatArray();
                assertTrue(maxAbsDiff(got, want) < 1e-4, device + " F32 logits vs PyTorch differ by " + maxAbsDiff(got, want));
                assertTrue(maxAbsDiff(got, allLogits(mc, ids)) < 1e-4, device + " vs cpu differ by " + maxAbsDiff(got, allLogits(mc, ids)));
            }
            for (DType dt : new DType[] {DType.F16, DType.Q8_0, DType.Q4_0}) {
                LlamaLoader.Options o = LlamaLoader.Options.defaults().withDType(dt);
                try (Llama mg = LlamaLoader.load(llamaDir(), o, g)) {
                    assertEquals(dt, mg.weights().lmHead().dtype());
                    assertTrue(!mg.weights().lmHead().device().isHost(), "weights live on the device");
                    String key = "logits_" + (dt == DType.F16 ? "f16_matrices" : dt.name().toLowerCase(java.util.Locale.ROOT));
                    double d = maxAbsDiff(allLogits(mg, ids), expected.get(key).toFloatArray());
                    assertTrue(d < 1e-4, device + " --dtype " + dt + " logits vs PyTorch with the same rounding differ by " + d);
                }
            }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void tinyLlamaGreedyDecodeThroughTheKvCache(String device) throws IOException {
        Backend g = gpu(device);
        try (Weights expected = Weights.open(llamaDir().resolve("expected.safetensors"));
             Llama m = LlamaLoader.load(llamaDir(), g); LlamaState st = m.newState(64)) {
            int[] ids = expected.get("input_ids").toIntArray(), want = expected.get("greedy_ids").toIntArray();
            int[] seq = Arrays.copyOf(ids, want.length);
            float[] logits = m.prefill(st, ids);
            for (int i = ids.length; i < want.length; i++) {
                seq[i] = Sampling.argmax(logits);
                if (i + 1 < want.length) logits = m.decode(st, seq[i]);
            }
            assertArrayEquals(want, seq, device + " greedy continuation");
            // an F16 KV cache (llama.cpp's default) decodes like the CPU backend's F16 cache
            try (Llama mc = LlamaLoader.load(llamaDir(), cpu()); LlamaState sg = m.newState(64, 512, DType.F16); LlamaState sc = mc.newState(64, 512, DType.F16)) {
                double d = maxAbsDiff(m.prefill(sg, ids).clone(), mc.prefill(sc, ids));
                for (int i = ids.length; i < want.length - 1; i++) d = Math.max(d, maxAbsDiff(m.decode(sg, want[i]).clone(), mc.decode(sc, want[i])));
                assertTrue(d < 1e-4, device + " F16-cache logits vs cpu differ by " + d);
            }
            // decode logits equal those of one full pass (chunked prefill of 2 rows per step too)
            float[] full = allLogits(m, ids);
            int v = m.config().vocabSize();
            try (LlamaState s2 = m.newState(64, 2)) {
                m.forward(s2, Arrays.copyOf(ids, 3), Llama.Select.none());
                for (int i = 3; i < ids.length; i++) {
                    double d = maxAbsDiff(m.decode(s2, ids[i]), Arrays.copyOfRange(full, i * v, (i + 1) * v));
                    assertTrue(d < 1e-5, device + " decode at " + i + " differs from the full pass by " + d);
                }
            }
        }
    }

    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void stories260KMatchesCpu(String device) throws IOException {
        Path dir = Path.of(System.getProperty("codi4j.shared", "../shared")).resolve("models/stories260K");
        assumeTrue(Files.isRegularFile(dir.resolve("model.safetensors")), "stories260K not found under " + dir + "; skipping");
        Backend g = gpu(device);
        try (Llama mg = LlamaLoader.load(dir, g); Llama mc = LlamaLoader.load(dir, cpu());
             Weights ref = Weights.open(dir.resolve("reference_logits.safetensors"))) {
            int[] ids = ref.get("input_ids").toIntArray();
            float[] got = allLogits(mg, ids);
            assertTrue(maxAbsDiff(got, allLogits(mc, ids)) < 1e-4, device + " stories260K logits vs cpu differ by " + maxAbsDiff(got, allLogits(mc, ids)));
            assertTrue(maxAbsDiff(got, ref.get("logits").toFloatArray()) < 1e-4, device + " vs the numpy reference");
        }
    }

    // ---- blocks of the image networks, built from backend ops with random weights ---------------------------

    /** Host weights, uploaded to each backend (in their dtype) by {@link #on}. */
    record Params(Map<String, Tensor> host) {
        static Params random(long seed, Object... nameShape) {
            Random r = new Random(seed);
            Map<String, Tensor> m = new LinkedHashMap<>();
            for (int i = 0; i < nameShape.length; i += 2) {
                int[] shape = (int[]) nameShape[i + 1];
                float[] v = new float[(int) Tensor.numel(shape)];
                double fan = shape.length > 1 ? Tensor.numel(shape) / shape[0] : 1;
                for (int j = 0; j < v.length; j++) v[j] = (float) (r.nextGaussian() / Math.sqrt(fan));
                m.put((String) nameShape[i], Tensor.fromFloats(v, shape));
            }
            return new Params(m);
        }

        Map<String, Tensor> on(Backend b, DType matrices) {
            Map<String, Tensor> d = new HashMap<>();
            Backend ref = Backends.create("reference");
            for (var e : host.entrySet()) {
                Tensor t = e.getValue();
                if (matrices != DType.F32 && t.rank() == 2) t = ref.copyOf(t, matrices);
                d.put(e.getKey(), b.toDevice(t));
            }
            return d;
        }
    }

    static Tensor input(long seed, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Tensor.fromFloats(v, shape);
    }

    /** Multi-head self-attention over x (B, S, D): fused qkv projection, heads as views, output projection. */
    static Tensor selfAttention(Backend b, Map<String, Tensor> w, String p, Tensor x, int heads) {
        int bs = x.dim(0), s = x.dim(1), d = x.dim(2), hd = d / heads;
        Tensor qkv = b.linear(x, w.get(p + "qkv.weight"), w.get(p + "qkv.bias"));                    // (B, S, 3D)
        Tensor q = qkv.narrow(2, 0, d).view(bs, s, heads, hd).permute(0, 2, 1, 3);                   // (B, H, S, hd) views
        Tensor k = qkv.narrow(2, d, d).view(bs, s, heads, hd).permute(0, 2, 1, 3);
        Tensor v = qkv.narrow(2, 2 * d, d).view(bs, s, heads, hd).permute(0, 2, 1, 3);
        Tensor att = b.attention(q, k, v, null, false, (float) (1 / Math.sqrt(hd)));                 // (B, H, S, hd)
        Tensor merged = b.contiguous(att.permute(0, 2, 1, 3)).view(bs, s, d);                        // (B, S, D)
        return b.linear(merged, w.get(p + "proj.weight"), w.get(p + "proj.bias"));
    }

    static final int VIT_D = 48;

    static final Params VIT = Params.random(7, "patch.weight", new int[] {VIT_D, 3, 8, 8}, "patch.bias", new int[] {VIT_D},
            "cls", new int[] {1, 1, VIT_D}, "pos", new int[] {17, VIT_D}, "ln1.weight", new int[] {VIT_D}, "ln1.bias", new int[] {VIT_D},
            "attn.qkv.weight", new int[] {3 * VIT_D, VIT_D}, "attn.qkv.bias", new int[] {3 * VIT_D},
            "attn.proj.weight", new int[] {VIT_D, VIT_D}, "attn.proj.bias", new int[] {VIT_D},
            "ln2.weight", new int[] {VIT_D}, "ln2.bias", new int[] {VIT_D}, "fc1.weight", new int[] {4 * VIT_D, VIT_D}, "fc1.bias", new int[] {4 * VIT_D},
            "fc2.weight", new int[] {VIT_D, 4 * VIT_D}, "fc2.bias", new int[] {VIT_D});

    /** An OpenCLIP-style ViT: patch conv, class token, positions, pre-norm attention and GELU MLP blocks. */
    static Tensor vit(Backend b, Map<String, Tensor> w, Tensor image) {
        try (Scope s = Scope.open()) {
            int bs = image.dim(0);
            Tensor patches = b.conv2d(image, w.get("patch.weight"), w.get("patch.bias"), 8, 0);         // (B, D, 4, 4)
            Tensor tokens = patches.flatten(2, 3).transpose(1, 2);                                      // (B, 16, D) view
            Tensor x = b.concat(1, w.get("cls").expand(bs, 1, VIT_D), tokens);                          // (B, 17, D)
            x = b.add(x, w.get("pos"));
            for (int layer = 0; layer < 2; layer++) {
                Tensor h = b.layerNorm(x, w.get("ln1.weight"), w.get("ln1.bias"), 1e-5f);
                x = b.add(x, selfAttention(b, w, "attn.", h, 4));
                h = b.layerNorm(x, w.get("ln2.weight"), w.get("ln2.bias"), 1e-5f);
                h = b.unary(UnaryOp.GELU, b.linear(h, w.get("fc1.weight"), w.get("fc1.bias")));
                x = b.add(x, b.linear(h, w.get("fc2.weight"), w.get("fc2.bias")));
            }
            return s.keep(b.toHost(b.layerNorm(x.select(1, 0), null, null, 1e-5f)));                  // (B, D) class token
        }
    }

    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void vitBlockMatchesCpu(String device) {
        Tensor image = input(11, 2, 3, 32, 32);
        for (DType dt : new DType[] {DType.F32, DType.F16}) {
            Tensor want = vit(cpu(), VIT.on(cpu(), dt), image);
            Backend g = gpu(device);
            Tensor got = vit(g, VIT.on(g, dt), g.toDevice(image));
            assertClose(want, got, 1e-4, device + " ViT (" + dt + " matrices)");
        }
    }

    static final int UC = 16, TEMB = 32;

    static final Params UNET = Params.random(13, "gn1.weight", new int[] {UC}, "gn1.bias", new int[] {UC},
            "conv1.weight", new int[] {UC, UC, 3, 3}, "conv1.bias", new int[] {UC}, "temb.weight", new int[] {UC, TEMB}, "temb.bias", new int[] {UC},
            "gn2.weight", new int[] {UC}, "gn2.bias", new int[] {UC}, "conv2.weight", new int[] {2 * UC, UC, 3, 3}, "conv2.bias", new int[] {2 * UC},
            "skip.weight", new int[] {2 * UC, UC, 1, 1}, "skip.bias", new int[] {2 * UC},
            "gn3.weight", new int[] {2 * UC}, "gn3.bias", new int[] {2 * UC},
            "attn.qkv.weight", new int[] {6 * UC, 2 * UC}, "attn.qkv.bias", new int[] {6 * UC},
            "attn.proj.weight", new int[] {2 * UC, 2 * UC}, "attn.proj.bias", new int[] {2 * UC},
            "down.weight", new int[] {2 * UC, 2 * UC, 3, 3}, "down.bias", new int[] {2 * UC},
            "up.weight", new int[] {UC, 2 * UC, 3, 3}, "up.bias", new int[] {UC});

    /** A Stable Diffusion UNet slice: ResNet block with time embedding, spatial self-attention, down and up sampling. */
    static Tensor unet(Backend b, Map<String, Tensor> w, Tensor x, Tensor temb) {
        try (Scope s = Scope.open()) {
            int n = x.dim(0);
            Tensor h = b.unary(UnaryOp.SILU, b.groupNorm(x, 4, w.get("gn1.weight"), w.get("gn1.bias"), 1e-5f));
            h = b.conv2d(h, w.get("conv1.weight"), w.get("conv1.bias"), 1, 1);                         // (N, C, 12, 12)
            Tensor t = b.linear(b.unary(UnaryOp.SILU, temb), w.get("temb.weight"), w.get("temb.bias")); // (N, C)
            h = b.add(h, t.view(n, UC, 1, 1));
            h = b.unary(UnaryOp.SILU, b.groupNorm(h, 4, w.get("gn2.weight"), w.get("gn2.bias"), 1e-5f));
            h = b.conv2d(h, w.get("conv2.weight"), w.get("conv2.bias"), 1, 1);                         // (N, 2C, 12, 12)
            h = b.add(h, b.conv2d(x, w.get("skip.weight"), w.get("skip.bias"), 1, 0));
            int hh = h.dim(2), ww = h.dim(3);
            Tensor normed = b.groupNorm(h, 8, w.get("gn3.weight"), w.get("gn3.bias"), 1e-6f);
            Tensor tokens = normed.flatten(2, 3).transpose(1, 2);                                        // (N, HW, 2C) view
            Tensor att = selfAttention(b, w, "attn.", b.contiguous(tokens), 2);                          // (N, HW, 2C)
            h = b.add(h, att.transpose(1, 2).reshape(n, 2 * UC, hh, ww));
            Tensor down = b.conv2d(h, w.get("down.weight"), w.get("down.bias"), 2, 1);                   // (N, 2C, 6, 6)
            Tensor up = b.upsampleNearest(down, 2);                                                      // (N, 2C, 12, 12)
            Tensor out = b.conv2d(b.add(up, h), w.get("up.weight"), w.get("up.bias"), 1, 1);            // (N, C, 12, 12)
            return s.keep(b.toHost(out));
        }
    }

    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void unetBlockMatchesCpu(String device) {
        Tensor x = input(17, 2, UC, 12, 12), temb = input(19, 2, TEMB);
        Tensor want = unet(cpu(), UNET.on(cpu(), DType.F32), x, temb);
        Backend g = gpu(device);
        Tensor got = unet(g, UNET.on(g, DType.F32), g.toDevice(x), g.toDevice(temb));
        assertClose(want, got, 1e-4, device + " UNet block");
    }

    /**
     * The real diffusers UNet (unCLIP and InstructPix2Pix configurations) and VAE code on the GPU
     * against the PyTorch outputs of the diffusion fixtures, at the tolerances the CPU parity tests
     * use (2e-4 absolute + 2e-3 relative, cosine ≥ 0.99999).
     */
    @ParameterizedTest @ValueSource(strings = {"opencl", "cuda"})
    void diffusersUNetAndVaeFixturesMatchPyTorch(String device) throws Exception {
        Backend g = gpu(device);
        try (Weights w = DiffusionFixtures.weights("unet_unclip/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_unclip/io.safetensors")) {
            UNet2DConditionModel unet = new UNet2DConditionModel(g, w, UNet2DConditionConfig.load(DiffusionFixtures.path("unet_unclip/config.json")), null);
            Tensor y = unet.forward(g, g.toDevice(io.get("sample")), io.get("timesteps").toFloatArray(), g.toDevice(io.get("encoder_hidden_states")),
                    g.toDevice(io.get("class_labels")));
            diffusersClose(device + " unCLIP UNet", io.get("out").toFloatArray(), g.toHost(y).toFloatArray());
        }
        try (Weights w = DiffusionFixtures.weights("unet_pix2pix/model.safetensors"); Weights io = DiffusionFixtures.weights("unet_pix2pix/io.safetensors")) {
            UNet2DConditionModel unet = new UNet2DConditionModel(g, w, UNet2DConditionConfig.load(DiffusionFixtures.path("unet_pix2pix/config.json")), null);
            Tensor y = unet.forward(g, g.toDevice(io.get("sample")), new float[] {333}, g.toDevice(io.get("encoder_hidden_states")), null);
            diffusersClose(device + " pix2pix UNet (odd latent size)", io.get("out").toFloatArray(), g.toHost(y).toFloatArray());
        }
        try (Weights w = DiffusionFixtures.weights("vae/model.safetensors"); Weights io = DiffusionFixtures.weights("vae/io.safetensors")) {
            AutoencoderKL vae = new AutoencoderKL(g, w, AutoencoderKLConfig.load(DiffusionFixtures.path("vae/config.json")), null);
            diffusersClose(device + " VAE decode", io.get("decoded").toFloatArray(), g.toHost(vae.decode(g, g.toDevice(io.get("latents")))).toFloatArray());
            diffusersClose(device + " VAE encode mean", io.get("mean").toFloatArray(), g.toHost(vae.encode(g, g.toDevice(io.get("image"))).mean()).toFloatArray());
        }
    }

    static void diffusersClose(String what, float[] want, float[] got) {
        DiffusionFixtures.assertClose(what, want, got, 2e-4, 2e-3);
        double cos = DiffusionFixtures.cosine(want, got);
        assertTrue(cos >= 0.99999, what + ": cosine " + cos);
    }

    static void assertClose(Tensor want, Tensor got, double tol, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        float[] a = want.toFloatArray(), b = got.toFloatArray();
        double worst = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((double) a[i] - b[i]) / (1 + Math.abs(a[i])));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        assertTrue(scale > 0.1, what + ": the output is not trivially small");
        assertTrue(worst <= tol, what + ": scaled error " + worst + " > " + tol);
    }

}
