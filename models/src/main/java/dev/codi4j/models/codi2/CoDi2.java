package dev.codi4j.models.codi2;

import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CoDi-2: in-context, interleaved, any-to-any generation. Loads the parts a {@code codi2.json}
 * names — Llama-2 (+ LoRA), the projectors, the encoder (ImageBind) and the image decoder
 * (SD2.1-unCLIP) — and talks through {@link Conversation}s.
 *
 * <pre>{@code
 * try (CoDi2 model = CoDi2.load(Path.of("codi2.json"));
 *      Conversation c = model.newConversation()) {
 *     Reply r = c.send(Prompt.of("Make it look like ", Image.read(p), " in winter"), new ReplyListener() {
 *         public void onText(String t) { System.out.print(t); }
 *     });
 *     for (GeneratedImage g : r.images()) g.save(Path.of("out"));
 * }
 * }</pre>
 *
 * <p>Two modes, chosen by what the config provides: {@link Mode#CODI2} with trained projector weights
 * ({@code codi2_weights}), and {@link Mode#IMAGEBIND_DIRECT} without them (none are public): the
 * LLM chats on the text, and media embeddings go straight to the image decoder ({@link #direct()}).
 *
 * <p>Thread-safety: the model may be shared; work on it (turns of any of its conversations, direct
 * generation) runs one call at a time, in the order the calls take its lock. Close the model when
 * done: it owns the mapped checkpoints and the backend's memory.
 */
public final class CoDi2 implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoDi2.class);

    /** How the parts are wired. */
    public enum Mode {
        /** Trained projectors: media are spliced into the LLM, output markers become images. */
        CODI2,
        /** No projector weights: the LLM chats on text; media embeddings drive the image decoder directly. */
        IMAGEBIND_DIRECT
    }

    /**
     * Load-time options.
     *
     * @param device backend name: "cpu" (default), "reference", or a GPU backend when present
     * @param log receives one line per loading step (null: SLF4J only)
     * @param encoder an encoder to use instead of the config's "imagebind" (not closed by the model), or null
     * @param imageDecoder an image decoder to use instead of the config's "image_decoder" (not closed by the model), or null
     */
    public record Options(String device, Consumer<String> log, MediaEncoder encoder, ImageDecoder imageDecoder) {
        public static Options defaults() { return new Options("cpu", null, null, null); }
        public Options withDevice(String d) { return new Options(d, log, encoder, imageDecoder); }
        public Options withLog(Consumer<String> l) { return new Options(device, l, encoder, imageDecoder); }
        public Options withEncoder(MediaEncoder e) { return new Options(device, log, e, imageDecoder); }
        public Options withImageDecoder(ImageDecoder d) { return new Options(device, log, encoder, d); }
    }

    final ReentrantLock lock = new ReentrantLock(true);
    private final CoDi2Config config;
    private final Components parts;
    private final Backend backend;
    private final boolean ownsBackend;
    private final Mode mode;
    private final ReplyGenerator generator;
    private final Map<String, int[]> markerIds;
    private final ImageBindDirect direct;

    private CoDi2(CoDi2Config config, Components parts, Backend backend, boolean ownsBackend) {
        this.config = config;
        this.parts = parts;
        this.backend = backend;
        this.ownsBackend = ownsBackend;
        this.mode = parts.inputProjector != null ? Mode.CODI2 : Mode.IMAGEBIND_DIRECT;
        this.markerIds = parts.tokenizer == null ? Map.of() : markerIds(config, parts.tokenizer, parts.llm.config().vocabSize());
        this.generator = parts.llm == null ? null : new ReplyGenerator(parts.llm, parts.tokenizer, mode == Mode.CODI2 ? markerIds : Map.of(),
                eosIds(parts), stopIds(config, parts.tokenizer, parts.llm.config().vocabSize()));
        this.direct = parts.encoder != null && parts.imageDecoder != null ? new ImageBindDirect(this, parts.encoder, parts.imageDecoder) : null;
    }

    /** Loads the model a codi2.json describes, on the CPU backend. */
    public static CoDi2 load(Path codi2Json) throws IOException { return load(codi2Json, Options.defaults()); }

    public static CoDi2 load(Path codi2Json, Options options) throws IOException { return load(CoDi2Config.read(codi2Json), options); }

    /** Loads the parts {@code config} names on a new backend for {@code options.device()}. */
    public static CoDi2 load(CoDi2Config config, Options options) throws IOException {
        Backend b = Backends.create(options.device() == null ? "cpu" : options.device());
        try {
            return load(config, b, options, true);
        } catch (IOException | RuntimeException e) {
            b.close();
            throw e;
        }
    }

    /** Loads on a backend the caller owns (it is not closed with the model); {@code options.device()} is ignored. */
    public static CoDi2 load(CoDi2Config config, Backend backend, Options options) throws IOException {
        return load(config, backend, options, false);
    }

    private static CoDi2 load(CoDi2Config config, Backend b, Options options, boolean owns) throws IOException {
        Consumer<String> log = options.log();
        Consumer<String> sink = log != null ? log : LOG::info;
        long t0 = System.nanoTime();
        Components parts = Components.load(config, b, sink, options.encoder(), options.imageDecoder());
        try {
            CoDi2 m = new CoDi2(config, parts, b, owns);
            sink.accept(String.format(java.util.Locale.ROOT, "ready in %.1f s: %s", (System.nanoTime() - t0) * 1e-9, m.describe()));
            return m;
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    public CoDi2Config config() { return config; }
    public Mode mode() { return mode; }
    public Backend backend() { return backend; }

    /** Whether an LLM is loaded (text replies). */
    public boolean hasLlm() { return parts.llm != null; }

    /** Whether an image decoder is loaded. */
    public boolean canPaint() { return parts.imageDecoder != null; }

    /** Whether an encoder is loaded (media inputs). */
    public boolean canEncode() { return parts.encoder != null; }

    /** The output marker token ids per modality, as resolved against the tokenizer. */
    public Map<String, int[]> outputMarkerIds() {
        Map<String, int[]> m = new LinkedHashMap<>();
        markerIds.forEach((k, v) -> m.put(k, v.clone()));
        return m;
    }

    /** The tokenizer (null without an LLM). */
    public Tokenizer tokenizer() { return parts.tokenizer; }

    /** A one-line summary of the mode and parts. */
    public String describe() {
        StringBuilder sb = new StringBuilder(mode == Mode.CODI2 ? "CoDi-2" : "ImageBind-direct mode");
        sb.append(" on ").append(backend.name());
        if (parts.llm != null) sb.append("; LLM ").append(parts.llm.config().numHiddenLayers()).append(" layers × ").append(parts.llm.config().hiddenSize());
        if (parts.encoder != null) sb.append("; encoder ").append(parts.encoder.describe());
        if (parts.imageDecoder != null) sb.append("; image decoder ").append(parts.imageDecoder.describe());
        return sb.toString();
    }

    /** A conversation with the config's generation and image settings. */
    public Conversation newConversation() { return newConversation(config.generation(), config.image()); }

    public Conversation newConversation(GenerationSettings generation, ImageSettings image) {
        if (parts.llm == null && parts.imageDecoder == null) throw new IllegalStateException("nothing to converse with: no LLM and no image decoder");
        return new Conversation(this, parts, generation, image);
    }

    /**
     * ImageBind-direct generation (works in both modes).
     *
     * @throws IllegalStateException when the config lacks an encoder or an image decoder
     */
    public ImageBindDirect direct() {
        if (direct == null) throw new IllegalStateException("ImageBind-direct generation needs both \"imagebind\" and \"image_decoder\" in the codi2.json"
                + (config.source() == null ? "" : " (" + config.source() + ")"));
        return direct;
    }

    ReplyGenerator generator() { return generator; }

    @Override public void close() {
        lock.lock();
        try {
            parts.close();
            if (ownsBackend) backend.close();
        } finally {
            lock.unlock();
        }
    }

    // ---- token ids of markers and stops ------------------------------------------------------------

    static Map<String, int[]> markerIds(CoDi2Config cfg, Tokenizer tok, int vocab) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (var e : cfg.outputMarkers().entrySet()) {
            CoDi2Config.Marker m = e.getValue();
            // tokenized as a prompt word is: tokenizer(word, add_special_tokens=False), dummy prefix included
            int[] ids = m.ids() != null ? m.ids() : tok.encode(m.text(), EncodeOptions.PLAIN);
            if (ids.length == 0) throw new ConfigException("output marker " + m + " for " + e.getKey() + " tokenizes to nothing");
            for (int id : ids) if (id < 0 || id >= vocab) throw new ConfigException("output marker " + m + " has token id " + id + " outside the vocabulary of " + vocab);
            out.put(e.getKey(), ids);
        }
        return out;
    }

    static Set<Integer> stopIds(CoDi2Config cfg, Tokenizer tok, int vocab) {
        Set<Integer> out = new HashSet<>();
        for (CoDi2Config.Marker m : cfg.stopTokens()) {
            if (m.ids() != null) {
                for (int id : m.ids()) if (id >= 0 && id < vocab) out.add(id); else throw new ConfigException("stop token id " + id + " is outside the vocabulary of " + vocab);
            } else {
                int id = tok.pieceToId(m.text());
                if (id < 0) LOG.warn("stop token piece '{}' is not in the vocabulary; only EOS ends replies", m.text());
                else out.add(id);
            }
        }
        return out;
    }

    private static Set<Integer> eosIds(Components p) {
        Set<Integer> s = new HashSet<>(p.llm.config().eosTokenId());
        if (p.tokenizer.eosId() >= 0) s.add(p.tokenizer.eosId());
        return s;
    }

    @Override public String toString() { return describe(); }
}
