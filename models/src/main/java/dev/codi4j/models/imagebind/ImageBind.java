package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.media.ClipImagePreprocess;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.MediaLimits;
import dev.codi4j.loaders.media.Mp4;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.loaders.tokenizer.ClipTokenizer;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ImageBind as a Java API: images, videos, audio and text (and depth, thermal, IMU tensors) into one
 * 1024-d space, with upstream's preprocessing.
 *
 * <pre>{@code
 * try (ImageBind ib = ImageBind.load(Path.of("imagebind_huge.pth"))) {
 *     float[][] e = ib.embed(List.of(Input.image(Images.read(dog)), Input.text("a dog"), Input.audio(AudioFiles.read(bark))));
 *     double cos = ImageBind.dot(e[0], e[1]);
 * }
 * }</pre>
 *
 * {@link #embed} returns unit vectors (cosine = dot product). {@link #encode} returns what the official
 * {@code model(inputs)} returns — normalised × the modality's logit scale, clip means not renormalised —
 * which is what downstream models trained on ImageBind outputs (CoDi-2, PandaGPT) consume.
 *
 * <p>Loads the official {@code imagebind_huge.pth} (read by codi4j's restricted unpickler, mapped without
 * copying) or a safetensors conversion with the same tensor names, in F32, F16 or BF16. The text
 * tokenizer is {@code bpe_simple_vocab_16e6.txt.gz} (shipped in the ImageBind and open_clip repositories),
 * looked up next to the checkpoint unless given. Not thread-safe: use one instance per thread.
 */
public final class ImageBind implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageBind.class);

    /** Name of the CLIP BPE file looked up next to a checkpoint. */
    public static final String BPE_FILE = "bpe_simple_vocab_16e6.txt.gz";
    /** safetensors metadata key holding an {@link ImageBindConfig} JSON (for non-huge conversions). */
    public static final String CONFIG_METADATA = "imagebind_config";

    /**
     * Loading options. {@code device}: "cpu", "reference", ...; {@code threads} ≤ 0: all cores;
     * {@code weightDType}: null keeps the checkpoint's dtype; {@code config}: null reads the
     * checkpoint's metadata or a {@code <name>.json} beside it, else {@link ImageBindConfig#huge()};
     * {@code bpe}: null looks for {@value #BPE_FILE} beside the checkpoint; {@code batchSize}: inputs per
     * forward pass.
     */
    public record Options(String device, int threads, DType weightDType, ImageBindConfig config, Path bpe, int batchSize) {
        public static Options defaults() { return new Options("cpu", 0, null, null, null, 8); }
        public Options withDevice(String d) { return new Options(d, threads, weightDType, config, bpe, batchSize); }
        public Options withThreads(int t) { return new Options(device, t, weightDType, config, bpe, batchSize); }
        public Options withWeightDType(DType t) { return new Options(device, threads, t, config, bpe, batchSize); }
        public Options withConfig(ImageBindConfig c) { return new Options(device, threads, weightDType, c, bpe, batchSize); }
        public Options withBpe(Path p) { return new Options(device, threads, weightDType, config, p, batchSize); }
        public Options withBatchSize(int n) { return new Options(device, threads, weightDType, config, bpe, n); }
    }

    /** One input of any modality. */
    public sealed interface Input {
        Modality modality();

        static Input image(Image image) { return new ImageInput(image); }
        static Input video(Video video) { return new VideoInput(video); }
        static Input audio(Audio audio) { return new AudioInput(audio); }
        static Input text(String text) { return new TextInput(text); }
        /** depth (1, 224, 224), thermal (1, 224, 224) or IMU (6, 2000), preprocessed as upstream expects. */
        static Input tensor(Modality m, Tensor t) { return new TensorInput(m, t); }

        /**
         * A media file chosen by its extension: images (png, jpg, jpeg, bmp, gif, webp), audio (wav, mp3,
         * ogg, flac), video (mp4, m4v, mov).
         */
        static Input file(Path path) throws IOException {
            String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
            String ext = n.contains(".") ? n.substring(n.lastIndexOf('.') + 1) : "";
            return switch (ext) {
                case "png", "jpg", "jpeg", "bmp", "gif", "webp" -> image(Images.read(path, MediaLimits.defaults(), false)); // data.py: Image.open, no EXIF rotation
                case "wav", "mp3", "ogg", "flac" -> audio(AudioFiles.read(path));
                case "mp4", "m4v", "mov" -> video(Mp4.read(path));
                default -> throw new IllegalArgumentException(path + ": cannot tell the modality from the extension '" + ext
                        + "'; use an image (png, jpg, bmp, gif, webp), audio (wav, mp3, ogg, flac) or video (mp4, m4v, mov) file");
            };
        }
    }

    public record ImageInput(Image image) implements Input { public Modality modality() { return Modality.VISION; } }
    public record VideoInput(Video video) implements Input { public Modality modality() { return Modality.VISION; } }
    public record AudioInput(Audio audio) implements Input { public Modality modality() { return Modality.AUDIO; } }
    public record TextInput(String text) implements Input { public Modality modality() { return Modality.TEXT; } }
    public record TensorInput(Modality modality, Tensor tensor) implements Input {}

    private final Backend backend;
    private final boolean ownsBackend;
    private final Weights weights;
    private final ImageBindModel model;
    private final Path bpe;
    private final int batchSize;
    private ClipTokenizer tokenizer;
    private final ClipImagePreprocess imagePre = ClipImagePreprocess.imageBind();
    private final AudioPreprocessor audioPre = AudioPreprocessor.imageBind();
    private final VideoPreprocessor videoPre = VideoPreprocessor.imageBind();

    private ImageBind(Backend backend, boolean ownsBackend, Weights weights, ImageBindModel model, Path bpe, int batchSize) {
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.weights = weights;
        this.model = model;
        this.bpe = bpe;
        this.batchSize = batchSize;
    }

    public static ImageBind load(Path checkpoint) throws IOException { return load(checkpoint, Options.defaults()); }

    public static ImageBind load(Path checkpoint, Options o) throws IOException {
        Backend b = Backends.create(o.device(), new BackendProvider.Options(o.threads(), 0));
        try {
            return load(checkpoint, o, b, true);
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** With a backend the caller owns (and closes). */
    public static ImageBind load(Path checkpoint, Options o, Backend backend) throws IOException { return load(checkpoint, o, backend, false); }

    private static ImageBind load(Path checkpoint, Options o, Backend b, boolean ownsBackend) throws IOException {
        if (o.batchSize() < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + o.batchSize());
        Weights w = Weights.open(checkpoint);
        try {
            ImageBindConfig config = o.config() != null ? o.config() : findConfig(checkpoint, w);
            long t0 = System.nanoTime();
            ImageBindModel m;
            try {
                m = ImageBindModel.load(b, w, config, o.weightDType());
            } catch (WeightsException e) {
                throw new WeightsException(e.getMessage() + " (while loading " + checkpoint + " as ImageBind with "
                        + (config.equals(ImageBindConfig.huge()) ? "the imagebind_huge sizes" : "sizes " + config.toJson())
                        + "; for another size put its configuration in the safetensors metadata '" + CONFIG_METADATA
                        + "' or in a .json file with the checkpoint's name)", e);
            }
            LOG.info("loaded ImageBind {} ({}) in {} ms on {}", checkpoint.getFileName(), m.modalities(), (System.nanoTime() - t0) / 1_000_000, b.name());
            Path bpe = o.bpe() != null ? o.bpe() : checkpoint.toAbsolutePath().resolveSibling(BPE_FILE);
            return new ImageBind(b, ownsBackend, w, m, bpe, o.batchSize());
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static ImageBindConfig findConfig(Path checkpoint, Weights w) throws IOException {
        String meta = w.metadata().get(CONFIG_METADATA);
        if (meta != null) return ImageBindConfig.fromJson(meta);
        String name = checkpoint.getFileName().toString();
        Path json = checkpoint.toAbsolutePath().resolveSibling((name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name) + ".json");
        if (Files.isRegularFile(json)) {
            LOG.info("using ImageBind sizes from {}", json);
            return ImageBindConfig.fromJson(json);
        }
        return ImageBindConfig.huge();
    }

    public ImageBindModel model() { return model; }

    public Backend backend() { return backend; }

    /** Width of the joint space (1024 for imagebind_huge). */
    public int dimension() { return model.config().outEmbedDim(); }

    // ---- preprocessing -----------------------------------------------------------------------

    /** One image → (3, 224, 224), as load_and_transform_vision_data. */
    public Tensor preprocess(Image image) { return imagePre.apply(image); }

    /** One recording → (3, 1, 128, 204), as load_and_transform_audio_data. */
    public Tensor preprocess(Audio audio) { return audioPre.apply(audio, "audio"); }

    /** One video → (15, 3, 2, 224, 224), as load_and_transform_video_data. */
    public Tensor preprocess(Video video) { return videoPre.apply(video); }

    /** Token ids (B, 77) I32, as load_and_transform_text (open_clip BPE, 0-padded, truncated with eot last). */
    public Tensor tokenize(List<String> texts) {
        int[][] rows = tokenizer().tokenize(texts, model.tokenCount(Modality.TEXT), true);
        int n = model.tokenCount(Modality.TEXT);
        int[] flat = new int[rows.length * n];
        int vocab = model.textVocabSize();
        for (int i = 0; i < rows.length; i++) {
            for (int id : rows[i]) {
                if (id >= vocab) throw new IllegalStateException("tokenizer " + bpe + " gives id " + id + " but the text tower has " + vocab + " embeddings; use the tokenizer the checkpoint was trained with");
            }
            System.arraycopy(rows[i], 0, flat, i * n, n);
        }
        return Tensor.fromInts(flat, rows.length, n);
    }

    private ClipTokenizer tokenizer() {
        if (tokenizer == null) {
            if (!Files.isRegularFile(bpe)) {
                throw new IllegalStateException("text needs the CLIP tokenizer file " + bpe + ", which does not exist; download "
                        + BPE_FILE + " (github.com/facebookresearch/ImageBind, imagebind/bpe/) next to the checkpoint or pass its path");
            }
            tokenizer = ClipTokenizer.fromBpeFile(bpe);
        }
        return tokenizer;
    }

    // ---- encoding ------------------------------------------------------------------------------

    /** Unit-norm embeddings, one row per input in order (batched per modality). */
    public float[][] embed(List<? extends Input> inputs) { return embed(inputs, null); }

    /** As {@link #embed(List)}, reporting (inputs done, total) after each batch. */
    public float[][] embed(List<? extends Input> inputs, BiConsumer<Integer, Integer> progress) {
        float[][] raw = encode(inputs, progress);
        for (float[] r : raw) normalize(r);
        return raw;
    }

    /** {@link #embed} of images. */
    public float[][] embedImages(List<Image> images) { return embed(images.stream().map(Input::image).toList()); }

    /** {@link #embed} of texts. */
    public float[][] embedTexts(List<String> texts) { return embed(texts.stream().map(Input::text).toList()); }

    /** {@link #embed} of recordings. */
    public float[][] embedAudio(List<Audio> audio) { return embed(audio.stream().map(Input::audio).toList()); }

    /** {@link #embed} of videos. */
    public float[][] embedVideos(List<Video> videos) { return embed(videos.stream().map(Input::video).toList()); }

    /**
     * The official model outputs, one row per input: normalised × logit scale (text: learned; audio 20;
     * depth 5; thermal 10; IMU 5; vision 1), clip averages for audio and video not renormalised.
     */
    public float[][] encode(List<? extends Input> inputs, BiConsumer<Integer, Integer> progress) {
        Objects.requireNonNull(inputs, "inputs");
        float[][] out = new float[inputs.size()][];
        // group by how they are batched: images, videos, audio, text, and each tensor modality
        Map<Kind, List<Integer>> groups = new EnumMap<>(Kind.class);
        for (int i = 0; i < inputs.size(); i++) groups.computeIfAbsent(Kind.of(inputs.get(i)), k -> new ArrayList<>()).add(i);
        int done = 0;
        for (var g : groups.entrySet()) {
            List<Integer> idx = g.getValue();
            int step = g.getKey() == Kind.VIDEO ? 1 : batchSize; // a video is already 15 clips
            for (int from = 0; from < idx.size(); from += step) {
                List<Integer> part = idx.subList(from, Math.min(idx.size(), from + step));
                try (Scope s = Scope.open()) {
                    Tensor batch = batch(g.getKey(), inputs, part);
                    Tensor e = backend.toHost(model.encode(backend, g.getKey().modality, batch));
                    float[] v = e.toFloatArray();
                    int d = e.dim(1);
                    for (int j = 0; j < part.size(); j++) out[part.get(j)] = java.util.Arrays.copyOfRange(v, j * d, (j + 1) * d);
                }
                done += part.size();
                if (progress != null) progress.accept(done, inputs.size());
            }
        }
        return out;
    }

    /** The vision trunk's output sequence (B, 257, 1280) for images: CLS first, before the head. */
    public Tensor visionTokens(List<Image> images) {
        try (Scope s = Scope.open()) {
            List<Tensor> px = new ArrayList<>();
            for (Image im : images) px.add(preprocess(im).unsqueeze(0));
            Tensor batch = backend.toDevice(concatHost(px));
            return s.keep(backend.toHost(model.tokens(backend, Modality.VISION, batch)));
        }
    }

    private enum Kind {
        IMAGE(Modality.VISION), VIDEO(Modality.VISION), AUDIO(Modality.AUDIO), TEXT(Modality.TEXT),
        DEPTH(Modality.DEPTH), THERMAL(Modality.THERMAL), IMU(Modality.IMU), VISION_TENSOR(Modality.VISION),
        AUDIO_TENSOR(Modality.AUDIO);

        final Modality modality;

        Kind(Modality m) { this.modality = m; }

        static Kind of(Input in) {
            return switch (in) {
                case ImageInput i -> IMAGE;
                case VideoInput v -> VIDEO;
                case AudioInput a -> AUDIO;
                case TextInput t -> TEXT;
                case TensorInput t -> switch (t.modality()) {
                    case DEPTH -> DEPTH;
                    case THERMAL -> THERMAL;
                    case IMU -> IMU;
                    case VISION -> VISION_TENSOR;
                    case AUDIO -> AUDIO_TENSOR;
                    case TEXT -> throw new IllegalArgumentException("give text as Input.text(String)");
                };
            };
        }
    }

    private Tensor batch(Kind k, List<? extends Input> inputs, List<Integer> part) {
        if (k == Kind.TEXT) {
            List<String> texts = new ArrayList<>();
            for (int i : part) texts.add(((TextInput) inputs.get(i)).text());
            return tokenize(texts);
        }
        List<Tensor> items = new ArrayList<>();
        for (int i : part) {
            Tensor t = switch (inputs.get(i)) {
                case ImageInput im -> preprocess(im.image());
                case VideoInput v -> preprocess(v.video());
                case AudioInput a -> preprocess(a.audio());
                case TensorInput ti -> ti.tensor();
                case TextInput tx -> throw new AssertionError(tx);
            };
            items.add(t.unsqueeze(0));
        }
        Tensor host = items.size() == 1 ? items.get(0) : concatHost(items);
        return backend.toDevice(host);
    }

    private static Tensor concatHost(List<Tensor> items) {
        int[] shape = items.get(0).shape();
        shape[0] = items.size();
        int per = Math.toIntExact(items.get(0).numel());
        float[] all = new float[per * items.size()];
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i).numel() != per) throw new IllegalArgumentException("inputs of one modality must have the same shape: " + items.get(0).describe() + " vs " + items.get(i).describe());
            System.arraycopy(items.get(i).toFloatArray(), 0, all, i * per, per);
        }
        return Tensor.fromFloats(all, shape);
    }

    // ---- similarity helpers ------------------------------------------------------------------

    /** Dot product (the cosine similarity of {@link #embed} rows). */
    public static double dot(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("vectors differ in length: " + a.length + " vs " + b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    static void normalize(float[] v) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        double inv = 1 / Math.max(Math.sqrt(n), 1e-12);
        for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] * inv);
    }

    @Override public void close() {
        weights.close();
        if (ownsBackend) backend.close();
    }
}
