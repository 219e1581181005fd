package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.config.AutoencoderKLConfig;
import dev.codi4j.loaders.config.ConfigJson;
import dev.codi4j.loaders.config.SchedulerConfig;
import dev.codi4j.loaders.config.UNet2DConditionConfig;
import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.ImageOps;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.schedulers.DDIMScheduler;
import dev.codi4j.models.diffusion.schedulers.NoiseSource;
import dev.codi4j.models.diffusion.schedulers.Scheduler;
import dev.codi4j.models.diffusion.schedulers.Schedulers;
import dev.codi4j.models.diffusion.unet.UNet2DConditionModel;
import dev.codi4j.models.diffusion.unet.UNetSupport;
import dev.codi4j.models.diffusion.vae.AutoencoderKL;
import dev.codi4j.models.diffusion.vae.LatentDistribution;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Stable Diffusion pipeline over a diffusers folder, with the sampling loop of the diffusers
 * pipeline that matches its UNet:
 * <ul>
 *   <li>{@link Kind#UNCLIP} — {@code StableUnCLIPImg2ImgPipeline}: the image embedding (given, or from
 *       the image encoder) is noise-augmented ({@link UnClipNoiseAugmentation}) into the UNet's class
 *       label; classifier-free guidance pairs it with an all-zero label and the negative prompt.</li>
 *   <li>{@link Kind#INSTRUCT_PIX2PIX} — {@code StableDiffusionInstructPix2PixPipeline}: the edit image's
 *       latent mode (unscaled) is concatenated to the noisy latents; three-way guidance
 *       uncond + g·(text − image) + g_img·(image − uncond) over the batch [text+image, image, none].</li>
 *   <li>{@link Kind#TEXT_TO_IMAGE} — {@code StableDiffusionPipeline}.</li>
 * </ul>
 * Any kind also does img2img ({@code StableDiffusionImg2ImgPipeline}'s mechanics: encode, noise to
 * the strength's first timestep, run the remaining steps).
 *
 * <p>Randomness comes from one seeded generator ({@link Sampling.Rng}, the same values on every JVM),
 * drawn in diffusers' order: the image-embedding noise, then the initial latents (img2img: the VAE
 * posterior sample, then the noise added to it), then each stochastic scheduler step. Same seed, same
 * backend → the same bytes.
 */
public final class DiffusionPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DiffusionPipeline.class);

    /** The sampling loop a UNet calls for. */
    public enum Kind { TEXT_TO_IMAGE, UNCLIP, INSTRUCT_PIX2PIX }

    /**
     * Loading choices: weight dtype (null keeps the checkpoint's), scheduler (alias or class; null keeps
     * the folder's), encoders (null: the folder's {@code text_encoder/}+{@code tokenizer/} and, for unCLIP,
     * {@code image_encoder/}+{@code feature_extractor/} when present and {@code loadEncoders}).
     */
    public record Options(DType weightDType, String scheduler, TextEncoder textEncoder, ImageEncoder imageEncoder, boolean loadEncoders) {
        public static Options defaults() { return new Options(null, null, null, null, true); }
        public Options withTextEncoder(TextEncoder t) { return new Options(weightDType, scheduler, t, imageEncoder, loadEncoders); }
        public Options withImageEncoder(ImageEncoder i) { return new Options(weightDType, scheduler, textEncoder, i, loadEncoders); }
        public Options withScheduler(String s) { return new Options(weightDType, s, textEncoder, imageEncoder, loadEncoders); }
        public Options withWeightDType(DType d) { return new Options(d, scheduler, textEncoder, imageEncoder, loadEncoders); }
        public Options withoutFolderEncoders() { return new Options(weightDType, scheduler, textEncoder, imageEncoder, false); }
    }

    private final Backend b;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final SchedulerConfig schedulerConfig;
    private final TextEncoder textEncoder;
    private final ImageEncoder imageEncoder;
    private final UnClipNoiseAugmentation augmentation;
    private final List<AutoCloseable> owned;
    private final Kind kind;

    public DiffusionPipeline(Backend b, UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig scheduler, TextEncoder textEncoder,
                             ImageEncoder imageEncoder, UnClipNoiseAugmentation augmentation, List<AutoCloseable> owned) {
        this.b = b;
        this.unet = unet;
        this.vae = vae;
        this.schedulerConfig = scheduler;
        this.textEncoder = textEncoder;
        this.imageEncoder = imageEncoder;
        this.augmentation = augmentation;
        this.owned = owned == null ? List.of() : List.copyOf(owned);
        UNet2DConditionConfig u = unet.config();
        int latentCh = vae.config().latent_channels();
        if (u.class_embed_type() != null) {
            if (augmentation == null) throw new IllegalArgumentException("this UNet has a class embedding (unCLIP): the pipeline needs its image_normalizer and image_noising_scheduler");
            if (u.projection_class_embeddings_input_dim() != 2 * augmentation.embeddingSize())
                throw new IllegalArgumentException("unCLIP UNet expects class labels of " + u.projection_class_embeddings_input_dim() + " values but the image normalizer is " + augmentation.embeddingSize() + "-d (labels are 2× that)");
            kind = Kind.UNCLIP;
        } else if (u.in_channels() == 2 * latentCh) {
            kind = Kind.INSTRUCT_PIX2PIX;
        } else if (u.in_channels() == latentCh) {
            kind = Kind.TEXT_TO_IMAGE;
        } else {
            throw new IllegalArgumentException("UNet has " + u.in_channels() + " input channels; codi4j's pipelines take " + latentCh + " (text-to-image, unCLIP) or " + 2 * latentCh + " (InstructPix2Pix)");
        }
        if (u.out_channels() != latentCh) throw new IllegalArgumentException("UNet outputs " + u.out_channels() + " channels but the VAE's latents have " + latentCh);
        Schedulers.create(scheduler); // fail at load on an unsupported scheduler, not at the first generation
    }

    /**
     * Loads a diffusers pipeline folder: {@code unet/}, {@code vae/}, {@code scheduler/}, and for
     * unCLIP {@code image_normalizer/} and {@code image_noising_scheduler/}. Weights stay memory-mapped
     * (zero copy when {@code weightDType} is null) until {@link #close()}.
     */
    public static DiffusionPipeline load(Backend b, ModelFolder folder, Options o) throws IOException {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            ModelFolder uf = folder.component("unet");
            ConfigJson ucfg = uf.config();
            UNetSupport.checkJson(ucfg);
            UNet2DConditionConfig u = UNet2DConditionConfig.from(ucfg);
            Weights uw = uf.weights();
            owned.add(uw);
            UNet2DConditionModel unet = new UNet2DConditionModel(b, uw, u, o.weightDType());
            ModelFolder vf = folder.component("vae");
            Weights vw = vf.weights();
            owned.add(vw);
            AutoencoderKL vae = new AutoencoderKL(b, vw, AutoencoderKLConfig.from(vf.config()), o.weightDType());
            ModelFolder sf = folder.component("scheduler");
            SchedulerConfig sc = Schedulers.fromFile(sf.configFile(), o.scheduler()).config();
            UnClipNoiseAugmentation aug = null;
            if (u.class_embed_type() != null) {
                int d = u.projection_class_embeddings_input_dim() / 2;
                try (Weights nw = folder.component("image_normalizer").weights()) {
                    aug = UnClipNoiseAugmentation.load(nw, d, SchedulerConfig.load(folder.component("image_noising_scheduler").configFile()));
                }
            }
            TextEncoder text = o.textEncoder();
            if (text == null && o.loadEncoders() && java.nio.file.Files.isDirectory(folder.path().resolve("text_encoder"))
                    && java.nio.file.Files.isDirectory(folder.path().resolve("tokenizer"))) {
                ClipTextEncoder t = ClipTextEncoder.load(b, folder, o.weightDType());
                owned.add(t);
                text = t;
            }
            ImageEncoder image = o.imageEncoder();
            if (image == null && aug != null && o.loadEncoders() && java.nio.file.Files.isDirectory(folder.path().resolve("image_encoder"))) {
                ClipImageEncoder ie = ClipImageEncoder.load(b, folder, o.weightDType());
                owned.add(ie);
                image = ie;
            }
            LOG.info("loaded {} ({} UNet, {} weights)", folder, u.class_embed_type() != null ? "unCLIP" : u.in_channels() == 8 ? "InstructPix2Pix" : "text-to-image",
                    o.weightDType() == null ? "checkpoint" : o.weightDType());
            return new DiffusionPipeline(b, unet, vae, sc, text, image, aug, owned);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : owned) closeQuietly(c);
            throw e;
        }
    }

    public Kind kind() { return kind; }
    public UNet2DConditionModel unet() { return unet; }
    public AutoencoderKL vae() { return vae; }
    public SchedulerConfig schedulerConfig() { return schedulerConfig; }
    public UnClipNoiseAugmentation augmentation() { return augmentation; }

    /** Width of the image embedding an unCLIP pipeline is conditioned on (0 otherwise). */
    public int embeddingSize() { return augmentation == null ? 0 : augmentation.embeddingSize(); }

    /**
     * Runs one generation.
     * @throws CancellationException when {@code callback} returned false
     * @throws IllegalArgumentException for inputs that do not fit this pipeline (named, with the fix)
     */
    public GenerationResult generate(GenerationRequest r, StepCallback callback) {
        if (callback == null) callback = StepCallback.NONE;
        int f = vae.scaleFactor(), latentCh = vae.config().latent_channels();
        int n = r.numImages();
        NoiseSource noise = r.noise() != null ? r.noise() : NoiseSource.of(new Sampling.Rng(r.seed()));
        Scheduler sched = Schedulers.create(schedulerConfig);
        if (sched instanceof DDIMScheduler d) d.eta(r.eta());
        else if (r.eta() != 0) throw new IllegalArgumentException("eta applies to DDIM only; the scheduler is " + schedulerConfig._class_name());

        Image edit = r.editImage(), init = r.initImage();
        if (kind == Kind.INSTRUCT_PIX2PIX && edit == null) throw new IllegalArgumentException("this is an InstructPix2Pix pipeline: give the image to edit");
        if (kind != Kind.INSTRUCT_PIX2PIX && edit != null) throw new IllegalArgumentException("an edit image needs an InstructPix2Pix UNet (8 input channels); this one has " + unet.config().in_channels());
        if (kind != Kind.UNCLIP && (r.imageEmbedding() != null || r.image() != null)) throw new IllegalArgumentException("image embeddings condition unCLIP UNets only; this pipeline is " + kind);
        Image sizing = edit != null ? edit : init;
        int m = Math.max(8, f);
        int width = r.width() != null ? r.width() : sizing != null ? Math.max(m, sizing.width() / m * m) : defaultSide();
        int height = r.height() != null ? r.height() : sizing != null ? Math.max(m, sizing.height() / m * m) : defaultSide();
        // diffusers' check_inputs: multiples of 8 (and of the VAE factor, 8 for every SD VAE)
        checkSize("width", width, Math.max(8, f));
        checkSize("height", height, Math.max(8, f));
        int h = height / f, w = width / f;
        boolean pix2pix = kind == Kind.INSTRUCT_PIX2PIX;
        boolean cfg = pix2pix ? r.guidanceScale() > 1 && r.imageGuidanceScale() >= 1 : r.guidanceScale() > 1;
        int copies = !cfg ? 1 : pix2pix ? 3 : 2;

        if (kind == Kind.UNCLIP && r.imageEmbedding() != null) {
            int d = augmentation.embeddingSize(), len = r.imageEmbedding().length;
            if (len != d && len != n * d) throw new IllegalArgumentException("image embedding has " + len + " values; this unCLIP pipeline takes " + d + " (or " + n + "×" + d + ", one per image)");
        }
        if (r.noiseLevel() > 0 && kind != Kind.UNCLIP) throw new IllegalArgumentException("noise level applies to unCLIP pipelines only; this one is " + kind);
        if (kind == Kind.UNCLIP && r.noiseLevel() > augmentation.maxNoiseLevel()) throw new IllegalArgumentException("noise level must be in [0, " + augmentation.maxNoiseLevel() + "], got " + r.noiseLevel());

        try (Scope scope = Scope.open()) {
            // ---- text conditioning: [uncond, cond] (pix2pix: [cond, uncond, uncond]), each repeated per image
            Tensor cond = textEmbeds(r.promptEmbeds(), r.prompt());
            Tensor context;
            if (!cfg) context = repeat(cond, n);
            else {
                Tensor uncond = textEmbeds(r.negativePromptEmbeds(), r.negativePrompt() == null ? "" : r.negativePrompt());
                if (uncond.dim(1) != cond.dim(1)) throw new IllegalArgumentException("prompt and negative prompt embeddings have " + cond.dim(1) + " and " + uncond.dim(1) + " tokens; they must match");
                context = pix2pix ? b.concat(0, repeat(cond, n), repeat(uncond, n), repeat(uncond, n)) : b.concat(0, repeat(uncond, n), repeat(cond, n));
            }

            // ---- unCLIP class labels
            Tensor classLabels = null;
            if (kind == Kind.UNCLIP) classLabels = classLabels(r, n, cfg, noise);

            // ---- timesteps and initial latents
            sched.setTimesteps(r.steps());
            float[] ts = sched.timesteps();
            int start = 0;
            int size = n * latentCh * h * w;
            float[] latents;
            if (init != null) {
                // int(steps · strength) as Python computes it, from the decimal the user wrote (0.7f·10 would give 6)
                int initSteps = Math.min((int) (r.steps() * Double.parseDouble(Float.toString(r.strength()))), r.steps());
                start = Math.max(r.steps() - initSteps, 0);
                if (start >= ts.length) throw new IllegalArgumentException("strength " + r.strength() + " with " + r.steps() + " steps leaves no step to run; raise either");
                latents = img2imgLatents(init, width, height, n, sched, start, noise);
            } else if (r.latents() != null) {
                if (r.latents().length != size) throw new IllegalArgumentException("initial latents have " + r.latents().length + " values; expected " + n + "×" + latentCh + "×" + h + "×" + w + " = " + size);
                latents = scaleBy(r.latents(), sched.initNoiseSigma());
            } else {
                latents = scaleBy(noise.gaussian(size), sched.initNoiseSigma());
            }

            Tensor imageLatents = null;
            if (pix2pix) imageLatents = editLatents(edit, width, height, n, cfg);

            // ---- denoising loop
            int total = ts.length - start;
            for (int i = start; i < ts.length; i++) {
                float[] pred;
                try (Scope step = Scope.open()) {
                    float[] scaled = sched.scaleModelInput(latents, i);
                    Tensor x = b.toDevice(Tensor.fromFloats(scaled, n, latentCh, h, w));
                    Tensor in = copies == 1 ? x : b.concat(0, Collections.nCopies(copies, x));
                    if (imageLatents != null) in = b.concat(1, in, imageLatents);
                    Tensor out = unet.forward(b, in, new float[] {ts[i]}, context, classLabels);
                    pred = guide(b.toHost(out).toFloatArray(), size, copies, pix2pix, r.guidanceScale(), r.imageGuidanceScale());
                }
                latents = sched.step(pred, i, latents, noise);
                if (!callback.onStep(i - start + 1, total, ts[i], latents)) throw new CancellationException("generation cancelled after step " + (i - start + 1) + " of " + total);
            }

            // ---- decode
            Tensor pixels = decode(latents, n, latentCh, h, w, r.vaeTiling());
            return new GenerationResult(scope.keep(pixels), latents, metadata(r, width, height, sched));
        }
    }

    private int defaultSide() {
        Integer s = unet.config().sample_size();
        return (s == null ? 64 : s) * vae.scaleFactor();
    }

    private static void checkSize(String what, int v, int f) {
        if (v <= 0 || v % f != 0) {
            int lo = Math.max(f, v / f * f);
            throw new IllegalArgumentException(what + " must be a positive multiple of " + f + ", got " + v + "; use " + lo + " or " + (lo + f));
        }
        if (v > 4096) throw new IllegalArgumentException(what + " " + v + " is above 4096 pixels");
    }

    private Tensor textEmbeds(Tensor given, String prompt) {
        Tensor t;
        if (given != null) t = b.toDevice(given);
        else {
            if (textEncoder == null) throw new IllegalArgumentException("this pipeline has no text encoder: pass prompt embeddings, or load it with a TextEncoder");
            t = textEncoder.encode(b, List.of(prompt));
        }
        int d = unet.config().cross_attention_dim()[0];
        if (t.rank() != 3 || t.dim(0) != 1 || t.dim(2) != d) throw new IllegalArgumentException("text conditioning must be (1, tokens, " + d + "), got " + t.describe());
        return t;
    }

    private Tensor repeat(Tensor t, int n) { return n == 1 ? t : b.concat(0, Collections.nCopies(n, t)); }

    /** StableUnCLIPImg2ImgPipeline._encode_image: noise the embedding(s), repeat per image, zeros first under CFG. */
    private Tensor classLabels(GenerationRequest r, int n, boolean cfg, NoiseSource noise) {
        int d = augmentation.embeddingSize();
        float[] emb;
        if (r.imageEmbedding() != null) emb = r.imageEmbedding();
        else if (r.image() != null) {
            if (imageEncoder == null) throw new IllegalArgumentException("image variation needs an image encoder (SD 2.1-unCLIP's image_encoder, or ImageBind); none is loaded");
            emb = imageEncoder.embed(b, r.image());
        } else {
            emb = null; // text only: the all-zero label, which is also the unconditional one
        }
        float[] labels = new float[n * 2 * d];
        if (emb != null) {
            if (emb.length != d && emb.length != n * d)
                throw new IllegalArgumentException("image embedding has " + emb.length + " values; this unCLIP pipeline takes " + d + " (or " + n + "×" + d + ", one per image)");
            for (float v : emb) if (!Float.isFinite(v)) throw new IllegalArgumentException("image embedding contains " + v);
            int rows = emb.length / d;
            float[] aug = augmentation.apply(emb, rows, r.noiseLevel(), noise.gaussian(rows * d));
            for (int i = 0; i < n; i++) System.arraycopy(aug, rows == 1 ? 0 : i * 2 * d, labels, i * 2 * d, 2 * d);
        }
        Tensor t = Tensor.fromFloats(labels, n, 2 * d);
        if (cfg) t = Tensor.fromFloats(concat(new float[n * 2 * d], labels), 2 * n, 2 * d);
        return b.toDevice(t);
    }

    private float[] img2imgLatents(Image init, int width, int height, int n, Scheduler sched, int start, NoiseSource noise) {
        try (Scope s = Scope.open()) {
            LatentDistribution dist = vae.encode(b, pixels(init, width, height));
            Tensor sampled = dist.sample(b, b.toDevice(Tensor.fromFloats(noise.gaussian((int) dist.mean().numel()), dist.mean().shape())));
            float[] one = b.toHost(sampled).toFloatArray();
            float sf = (float) vae.config().scaling_factor();
            for (int i = 0; i < one.length; i++) one[i] = sf * one[i];
            float[] all = new float[one.length * n];
            for (int i = 0; i < n; i++) System.arraycopy(one, 0, all, i * one.length, one.length);
            return sched.addNoise(all, noise.gaussian(all.length), start);
        }
    }

    /** InstructPix2Pix: the edit image's latent mode, unscaled, per image; [img, img, zeros] under CFG. */
    private Tensor editLatents(Image edit, int width, int height, int n, boolean cfg) {
        LatentDistribution dist = vae.encode(b, pixels(edit, width, height));
        Tensor mode = repeat(dist.mode(), n);
        if (!cfg) return mode;
        Tensor zeros = b.zeros(DType.F32, mode.shape());
        return b.concat(0, mode, mode, zeros);
    }

    /** VaeImageProcessor.preprocess: RGB, resized to the target if needed (bicubic; diffusers uses Lanczos), x/255·2 − 1. */
    private Tensor pixels(Image img, int width, int height) {
        Image rgb = img.toRgb();
        if (rgb.width() != width || rgb.height() != height) {
            LOG.info("resizing input image {}x{} to {}x{} (bicubic)", rgb.width(), rgb.height(), width, height);
            rgb = ImageOps.resize(rgb.toBytes(), width, height, ImageOps.Resampler.PIL_BICUBIC);
        }
        float[] v = rgb.toFloats().floats();
        for (int i = 0; i < v.length; i++) v[i] = 2f * v[i] - 1f;
        return b.toDevice(Tensor.fromFloats(v, 1, 3, height, width));
    }

    /** Classifier-free guidance on the UNet output of the stacked batch. */
    static float[] guide(float[] out, int size, int copies, boolean pix2pix, float g, float gImage) {
        if (copies == 1) return out;
        float[] res = new float[size];
        if (!pix2pix) {
            for (int i = 0; i < size; i++) {
                float u = out[i], c = out[size + i];
                res[i] = u + g * (c - u);
            }
        } else {
            for (int i = 0; i < size; i++) {
                float text = out[i], image = out[size + i], u = out[2 * size + i];
                res[i] = u + g * (text - image) + gImage * (image - u);
            }
        }
        return res;
    }

    private Tensor decode(float[] latents, int n, int c, int h, int w, boolean tiled) {
        float sf = (float) vae.config().scaling_factor();
        float[] z = new float[latents.length];
        for (int i = 0; i < z.length; i++) z[i] = latents[i] / sf;
        int H = h * vae.scaleFactor(), W = w * vae.scaleFactor();
        Tensor out = Tensor.allocate(DType.F32, n, 3, H, W);
        int per = c * h * w;
        for (int i = 0; i < n; i++) {
            try (Scope s = Scope.open()) {
                Tensor zi = b.toDevice(Tensor.fromFloats(java.util.Arrays.copyOfRange(z, i * per, (i + 1) * per), 1, c, h, w));
                Tensor img = tiled ? vae.decodeMaybeTiled(b, zi) : vae.decode(b, zi);
                float[] px = b.toHost(img).toFloatArray();
                for (int k = 0; k < px.length; k++) px[k] = Math.min(Math.max(px[k] / 2f + 0.5f, 0f), 1f);
                b.copy(Tensor.fromFloats(px, 3, H, W), out.select(0, i));
            }
        }
        return out;
    }

    private Map<String, String> metadata(GenerationRequest r, int width, int height, Scheduler sched) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "codi4j");
        m.put("codi4j:pipeline", kind.name().toLowerCase(Locale.ROOT));
        if (r.promptEmbeds() == null) m.put("prompt", r.prompt());
        if (r.negativePrompt() != null) m.put("negative_prompt", r.negativePrompt());
        m.put("seed", Long.toString(r.seed()));
        m.put("steps", Integer.toString(r.steps()));
        m.put("scheduler", schedulerConfig._class_name() + (schedulerConfig.use_karras_sigmas() ? " (karras)" : ""));
        m.put("guidance_scale", Float.toString(r.guidanceScale()));
        if (kind == Kind.INSTRUCT_PIX2PIX) m.put("image_guidance_scale", Float.toString(r.imageGuidanceScale()));
        if (kind == Kind.UNCLIP) m.put("noise_level", Integer.toString(r.noiseLevel()));
        if (r.initImage() != null) m.put("strength", Float.toString(r.strength()));
        if (r.eta() != 0) m.put("eta", Float.toString(r.eta()));
        m.put("size", width + "x" + height);
        return m;
    }

    private static float[] scaleBy(float[] v, float s) {
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[i] * s;
        return o;
    }

    private static float[] concat(float[] a, float[] c) {
        float[] o = java.util.Arrays.copyOf(a, a.length + c.length);
        System.arraycopy(c, 0, o, a.length, c.length);
        return o;
    }

    private static void closeQuietly(AutoCloseable c) {
        try { c.close(); } catch (Exception e) { LOG.debug("close failed", e); }
    }

    @Override public void close() { for (AutoCloseable c : owned) closeQuietly(c); }
}
