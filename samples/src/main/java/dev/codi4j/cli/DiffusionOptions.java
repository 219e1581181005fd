package dev.codi4j.cli;

import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.models.diffusion.pipelines.DiffusionPipeline;
import dev.codi4j.models.diffusion.pipelines.GenerationRequest;
import dev.codi4j.models.diffusion.pipelines.GenerationResult;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Option;

/** The options {@code codi4j image} and {@code codi4j edit} share (a picocli mixin), and running a generation with a progress bar. */
final class DiffusionOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "PATH",
            description = "diffusers pipeline folder, or a hub id in the local cache (e.g. stabilityai/stable-diffusion-2-1-unclip, timbrooks/instruct-pix2pix)")
    String model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", defaultValue = "", description = "What to draw / how to edit")
    String prompt;

    @Option(names = {"-n", "--negative"}, paramLabel = "TEXT", description = "What to steer away from (default: empty)")
    String negative;

    @Option(names = "--steps", paramLabel = "N", description = "Denoising steps (default: 20 for unCLIP and edits, 50 otherwise)")
    Integer steps;

    @Option(names = {"-g", "--guidance"}, paramLabel = "G", description = "Classifier-free guidance scale; ≤ 1 disables it (default: 10 for unCLIP, 7.5 otherwise)")
    Float guidance;

    @Option(names = "--scheduler", paramLabel = "NAME", description = "ddim, ddpm, pndm, euler, euler_a, dpm++2m, dpm++2m-karras or a diffusers class name (default: the model's)")
    String scheduler;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed; the same seed on the same device gives the same image (default: random, printed)")
    Long seed;

    @Option(names = "--num-images", paramLabel = "N", defaultValue = "1", description = "Images to generate (default: ${DEFAULT-VALUE})")
    int numImages;

    @Option(names = "--width", paramLabel = "PX", description = "Multiple of 8 (default: the model's size, or the input image's)")
    Integer width;

    @Option(names = "--height", paramLabel = "PX", description = "Multiple of 8 (default: the model's size, or the input image's)")
    Integer height;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE.png", defaultValue = "out.png",
            description = "Output PNG (prompt, seed, steps, scheduler, guidance stored in its text chunks); several images get -1, -2, ... (default: ${DEFAULT-VALUE})")
    Path out;

    @picocli.CommandLine.Mixin DeviceOptions device;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "Hold weights as f32, f16, bf16 or q8_0 (linear layers; convolutions stay f16) (default: as stored)")
    String dtype;

    @Option(names = "--vae-tiling", description = "Decode in overlapping tiles: bounded memory for large images, slightly different pixels")
    boolean vaeTiling;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar")
    boolean quiet;

    Backend backend() { return device.create(); }

    DiffusionPipeline open(Backend b) throws IOException {
        DiffusionPipeline.Options o = DiffusionPipeline.Options.defaults().withScheduler(scheduler);
        if (dtype != null) {
            DType t = DType.parse(dtype);
            if (t != DType.F32 && t != DType.F16 && t != DType.BF16 && t != DType.Q8_0) throw new IllegalArgumentException("--dtype must be f32, f16, bf16 or q8_0, got " + dtype);
            o = o.withWeightDType(t);
        }
        return DiffusionPipeline.load(b, ModelFolder.open(model), o);
    }

    /** The settings every request shares; per-kind defaults as diffusers' pipelines have them. */
    GenerationRequest.Builder request(DiffusionPipeline p) {
        boolean unclip = p.kind() == DiffusionPipeline.Kind.UNCLIP, edit = p.kind() == DiffusionPipeline.Kind.INSTRUCT_PIX2PIX;
        long s = seed != null ? seed : new SecureRandom().nextLong() & Long.MAX_VALUE;
        GenerationRequest.Builder r = GenerationRequest.builder().prompt(prompt).negativePrompt(negative).numImages(numImages)
                .steps(steps != null ? steps : unclip || edit ? 20 : 50).guidanceScale(guidance != null ? guidance : unclip ? 10f : 7.5f)
                .seed(s).vaeTiling(vaeTiling);
        if (width != null || height != null) {
            if (width == null || height == null) throw new IllegalArgumentException("give both --width and --height");
            r.size(width, height);
        }
        return r;
    }

    /** Runs the generation with a step progress bar and writes the PNGs; returns the files written. */
    List<Path> run(DiffusionPipeline p, GenerationRequest req, PrintWriter err) {
        GenerationResult res;
        ProgressBar[] bar = {null};
        try {
            res = p.generate(req, (step, total, t, lat) -> {
                if (!quiet) {
                    if (bar[0] == null) bar[0] = new ProgressBarBuilder().setTaskName("denoising").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(200).continuousUpdate().build();
                    bar[0].stepTo(step);
                }
                return true;
            });
        } finally {
            if (bar[0] != null) bar[0].close();
        }
        List<Path> written = new ArrayList<>();
        var images = res.images();
        for (int i = 0; i < images.size(); i++) {
            Path f = images.size() == 1 ? out : indexed(out, i + 1);
            Map<String, String> meta = new LinkedHashMap<>(res.metadata());
            if (images.size() > 1) meta.put("index", Integer.toString(i));
            Images.writePng(images.get(i), f, meta);
            written.add(f);
        }
        if (!quiet) err.printf(Locale.ROOT, "codi4j: seed %d, %s → %s%n", req.seed(), res.metadata().get("size"), written);
        err.flush();
        return written;
    }

    static Path indexed(Path p, int i) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String name = dot > 0 ? n.substring(0, dot) + "-" + i + n.substring(dot) : n + "-" + i;
        return p.resolveSibling(name);
    }

    static Image readImage(Path p) { return Images.read(p).toRgb(); }
}
