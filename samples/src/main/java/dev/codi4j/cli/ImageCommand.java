package dev.codi4j.cli;

import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.npy.Npy;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.diffusion.pipelines.DiffusionPipeline;
import dev.codi4j.models.diffusion.pipelines.GenerationRequest;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j image}: Stable Diffusion generation. With an unCLIP model (SD 2.1-unCLIP) the image is
 * conditioned on an embedding: of {@code --image} (image variation), of {@code --embedding} files (any
 * vector of the model's width — an ImageBind embedding, or a weighted mix), or of {@code --audio}
 * through ImageBind; with none, on the text alone. With a plain SD model {@code --image} is the start
 * of img2img ({@code --strength}).
 */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = {"Generate images with Stable Diffusion (SD 2.1-unCLIP: text, image variation, any 1024-d embedding such as ImageBind audio).",
                "Runs on random seeds unless --seed is given; the seed, prompt, steps, scheduler and guidance are stored in the PNG."},
        footer = {"", "Examples:",
                "  codi4j image -m stabilityai/stable-diffusion-2-1-unclip --image cat.png -p 'a cat, watercolor' --seed 1",
                "  codi4j image -m stabilityai/stable-diffusion-2-1-unclip --embedding bark.npy:0.7 --embedding beach.npy:0.3",
                "  codi4j image -m stabilityai/stable-diffusion-2-1-unclip --audio rain.wav --imagebind imagebind_huge.pth",
                "  codi4j image -m runwayml/stable-diffusion-v1-5 --image sketch.png --strength 0.6 -p 'a castle'"})
public final class ImageCommand implements CliCommand, Callable<Integer> {
    @Mixin DiffusionOptions opts;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--image"}, paramLabel = "FILE", description = "unCLIP: the image to vary (embedded by the model's image_encoder, or ImageBind with --imagebind); plain SD: the img2img start image")
    Path image;

    @Option(names = {"-e", "--embedding"}, paramLabel = "FILE[:WEIGHT]",
            description = "unCLIP: a conditioning vector from .npy or .safetensors (repeatable: a weighted sum, weights default 1)")
    List<String> embeddings = new ArrayList<>();

    @Option(names = "--embedding-key", paramLabel = "NAME", description = "Tensor name inside a .safetensors embedding file with several tensors")
    String embeddingKey;

    @Option(names = "--embedding-norm", paramLabel = "L2", description = "Rescale the final conditioning vector to this L2 norm")
    Float embeddingNorm;

    @Option(names = {"-a", "--audio"}, paramLabel = "FILE", description = "unCLIP: condition on ImageBind's embedding of this recording (needs --imagebind)")
    Path audio;

    @Option(names = "--audio-weight", paramLabel = "W", defaultValue = "1", description = "Weight of the --audio embedding in the mix (default: ${DEFAULT-VALUE})")
    float audioWeight;

    @Option(names = "--imagebind", paramLabel = "PATH", description = "ImageBind checkpoint (imagebind_huge.pth or its safetensors) for --audio; with --image, embeds the image with ImageBind's vision tower instead of the model's image_encoder")
    Path imagebind;

    @Option(names = "--noise-level", paramLabel = "N", defaultValue = "0", description = "unCLIP: noise added to the image embedding, 0..1000; higher = looser variations (default: ${DEFAULT-VALUE})")
    int noiseLevel;

    @Option(names = "--strength", paramLabel = "S", defaultValue = "0.8", description = "img2img: how much of --image to repaint, (0, 1] (default: ${DEFAULT-VALUE})")
    float strength;

    @Override public int order() { return 50; }

    @Override public Integer call() throws Exception {
        try (Backend b = opts.backend(); DiffusionPipeline p = opts.open(b)) {
            GenerationRequest.Builder r = opts.request(p);
            boolean unclip = p.kind() == DiffusionPipeline.Kind.UNCLIP;
            if (p.kind() == DiffusionPipeline.Kind.INSTRUCT_PIX2PIX) throw new IllegalArgumentException("--model " + opts.model + " is an InstructPix2Pix model: use 'codi4j edit'");
            if (!unclip && (!embeddings.isEmpty() || audio != null)) throw new IllegalArgumentException("--embedding and --audio need an unCLIP model (stabilityai/stable-diffusion-2-1-unclip); --model " + opts.model + " is " + p.kind());
            r.noiseLevel(noiseLevel);
            float[] cond = null;
            if (!embeddings.isEmpty() || audio != null) cond = conditioning(b, p.embeddingSize());
            if (image != null) {
                if (unclip && cond != null) throw new IllegalArgumentException("give --image or --embedding/--audio, not both (mix embeddings instead)");
                if (unclip && imagebind != null) {
                    cond = imageBindVector(b, ImageBind.Input.image(DiffusionOptions.readImage(image)));
                } else if (unclip) {
                    r.image(DiffusionOptions.readImage(image));
                } else {
                    r.initImage(DiffusionOptions.readImage(image)).strength(strength);
                }
            }
            if (cond != null) r.imageEmbedding(cond);
            opts.run(p, r.build(), spec.commandLine().getErr());
        }
        return 0;
    }

    /** The weighted sum of the --embedding vectors and the --audio embedding, optionally rescaled. */
    private float[] conditioning(Backend b, int dim) throws IOException {
        float[] sum = new float[dim];
        for (String spec : embeddings) {
            int colon = spec.lastIndexOf(':');
            float w = 1;
            String file = spec;
            if (colon > 0) {
                try {
                    w = Float.parseFloat(spec.substring(colon + 1));
                    file = spec.substring(0, colon);
                } catch (NumberFormatException e) {
                    file = spec; // a colon inside the path
                }
            }
            add(sum, readVector(Path.of(file), dim), w);
        }
        if (audio != null) {
            if (imagebind == null) throw new IllegalArgumentException("--audio needs --imagebind PATH (the ImageBind checkpoint)");
            add(sum, imageBindVector(b, ImageBind.Input.audio(AudioFiles.read(audio))), audioWeight);
        }
        if (embeddingNorm != null) {
            double n = 0;
            for (float v : sum) n += (double) v * v;
            n = Math.sqrt(n);
            if (n == 0) throw new IllegalArgumentException("the conditioning vector is zero; cannot rescale it");
            for (int i = 0; i < dim; i++) sum[i] = (float) (sum[i] * embeddingNorm / n);
        }
        return sum;
    }

    /** ImageBind's official output for one input (normalised × the modality's logit scale), as Anything2Image feeds unCLIP. */
    private float[] imageBindVector(Backend b, ImageBind.Input in) throws IOException {
        if (imagebind == null) throw new IllegalArgumentException("this needs --imagebind PATH (the ImageBind checkpoint)");
        try (ImageBind ib = ImageBind.load(imagebind, ImageBind.Options.defaults().withThreads(opts.device.threads()), b)) {
            return ib.encode(List.of(in), null)[0];
        }
    }

    private static void add(float[] sum, float[] v, float w) {
        for (int i = 0; i < sum.length; i++) sum[i] += w * v[i];
    }

    private float[] readVector(Path f, int dim) throws IOException {
        String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
        Tensor t;
        if (n.endsWith(".npy")) t = Npy.read(f);
        else if (n.endsWith(".safetensors")) {
            try (Weights w = Weights.open(f)) {
                List<String> keys = w.keys();
                String key = embeddingKey != null ? embeddingKey : keys.size() == 1 ? keys.get(0) : null;
                if (key == null) throw new IllegalArgumentException(f + " holds " + keys.size() + " tensors " + keys + "; choose one with --embedding-key");
                t = Tensor.fromFloats(w.get(key).toFloatArray(), w.get(key).shape());
            }
        } else throw new IllegalArgumentException("--embedding " + f + ": use a .npy or .safetensors file");
        if (t.numel() != dim) throw new IllegalArgumentException("--embedding " + f + " holds " + t.describe() + "; this model is conditioned on one " + dim + "-d vector");
        return t.toFloatArray();
    }
}
