package dev.codi4j.models.codi2;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.gguf.GgufFile;
import dev.codi4j.loaders.gguf.GgufValue;
import dev.codi4j.loaders.hub.HfCache;
import dev.codi4j.loaders.tokenizer.GgufTokenizerData;
import dev.codi4j.loaders.tokenizer.SentencePieceTokenizer;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.loaders.tokenizer.TokenizerException;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.codi2.components.ImageBindEncoder;
import dev.codi4j.models.codi2.components.UnClipImageDecoder;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaWeights;
import dev.codi4j.models.llama.Lora;
import dev.codi4j.tensor.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The loaded parts of a CoDi-2 model; closes them in reverse order. */
final class Components implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Components.class);

    final Backend backend;
    final Llama llm;
    final Tokenizer tokenizer;
    final Projector inputProjector, outputProjector;
    final MediaEncoder encoder;
    final ImageDecoder imageDecoder;
    private final List<AutoCloseable> owned;

    private Components(Backend backend, Llama llm, Tokenizer tokenizer, Projector in, Projector out, MediaEncoder encoder, ImageDecoder imageDecoder,
            List<AutoCloseable> owned) {
        this.backend = backend;
        this.llm = llm;
        this.tokenizer = tokenizer;
        this.inputProjector = in;
        this.outputProjector = out;
        this.encoder = encoder;
        this.imageDecoder = imageDecoder;
        this.owned = owned;
    }

    /** Loads what {@code cfg} names, reporting each step to {@code log}. On failure, whatever was loaded is closed. */
    static Components load(CoDi2Config cfg, Backend b, java.util.function.Consumer<String> log, MediaEncoder givenEncoder, ImageDecoder givenDecoder)
            throws IOException {
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            MediaEncoder enc = givenEncoder;
            ImageDecoder dec = givenDecoder;
            if (enc != null) log.accept("encoder: " + enc.describe() + " (given)");
            else if (cfg.imagebind() != null) {
                log.accept("encoder: " + cfg.imagebind());
                enc = encoder(cfg.imagebind(), b);
                owned.add(enc);
            }
            if (dec != null) log.accept("image decoder: " + dec.describe() + " (given)");
            else if (cfg.imageDecoder() != null) {
                log.accept("image decoder: " + cfg.imageDecoder());
                dec = imageDecoder(cfg.imageDecoder(), b);
                owned.add(dec);
            }
            if (enc != null && dec != null && enc.dim() != dec.embeddingDim())
                throw new ConfigException(where(cfg) + "the encoder gives " + enc.dim() + "-d embeddings but the image decoder is conditioned on "
                        + dec.embeddingDim() + "-d ones; they must share one space (ImageBind-huge and SD2.1-unCLIP-h are both 1024-d)");
            Llama llm = null;
            Tokenizer tok = null;
            Projector in = null, out = null;
            if (cfg.llm() != null) {
                log.accept("LLM: " + cfg.llm());
                Path llmPath = llmPath(cfg);
                LlamaLoader.Source src = LlamaLoader.open(llmPath);
                try {
                    CoDi2Checkpoint.Contents w2 = null;
                    if (cfg.codi2Weights() != null) {
                        Path f = cfg.codi2Weights();
                        if (!Files.isRegularFile(f)) throw new ConfigException(where(cfg) + "\"codi2_weights\": file not found: " + f
                                + "; remove the field to run in ImageBind-direct mode (no trained CoDi-2 weights are public)");
                        log.accept("CoDi-2 weights: " + f);
                        w2 = CoDi2Checkpoint.read(f, src.config(), enc == null ? -1 : enc.dim(), cfg.loraAlpha(), b);
                        owned.add(w2);
                        if (w2.input() == null || w2.output() == null)
                            throw new WeightsException(f + " lacks the " + (w2.input() == null ? "input projector (codi_llama_proj.*)" : "output projector (codi_llama_decode.*)")
                                    + "; CoDi-2 needs both");
                        in = w2.input();
                        out = w2.output();
                    }
                    LlamaWeights lw = LlamaWeights.load(src.weights(), src.config(), src.layout(), cfg.llmDType(), b);
                    if (cfg.peftLora() != null) {
                        if (!Files.exists(cfg.peftLora())) throw new ConfigException(where(cfg) + "\"lora\": not found: " + cfg.peftLora());
                        lw = Lora.apply(lw, src.config(), Lora.read(cfg.peftLora(), src.config()), cfg.loraMode(), b);
                    }
                    if (w2 != null && w2.lora() != null) lw = Lora.apply(lw, src.config(), w2.lora(), cfg.loraMode(), b);
                    llm = new Llama(src.config(), lw, b, src.weights());
                } catch (IOException | RuntimeException e) {
                    src.weights().close();
                    throw e;
                }
                owned.add(llm);
                tok = tokenizer(cfg, src.root(), llmPath);
                if (tok.vocabSize() > llm.config().vocabSize())
                    throw new ConfigException(where(cfg) + "the tokenizer has " + tok.vocabSize() + " tokens but the LLM's vocabulary has " + llm.config().vocabSize()
                            + "; they belong to different models");
            } else if (cfg.codi2Weights() != null) {
                throw new ConfigException(where(cfg) + "\"codi2_weights\" is set but no \"llm\": the projectors and LoRA need the LLM they were trained with");
            }
            return new Components(b, llm, tok, in, out, enc, dec, owned);
        } catch (IOException | RuntimeException e) {
            closeAll(owned);
            throw e;
        }
    }

    static String where(CoDi2Config cfg) { return cfg.source() == null ? "" : cfg.source() + ": "; }

    private static Path llmPath(CoDi2Config cfg) throws IOException {
        CoDi2Config.Component c = cfg.llm();
        if (c.resolved() != null && !Files.exists(c.resolved()))
            throw new ConfigException(where(cfg) + "\"llm\": not found: " + c.resolved() + " (written as \"" + c.location() + "\"); give a Hugging Face Llama-2 folder, "
                    + "a .gguf file, or a hub id such as meta-llama/Llama-2-7b-chat-hf downloaded with 'codi4j download'");
        if (c.resolved() == null && HfCache.fromEnvironment().snapshot(c.location(), "main").isEmpty())
            throw new ConfigException(where(cfg) + "\"llm\": " + c.location() + " is neither a local path nor in the Hugging Face cache ("
                    + HfCache.fromEnvironment().root() + "); download it with: codi4j download " + c.location());
        try {
            return LlamaLoader.resolve(c.resolved() != null ? c.resolved().toString() : c.location());
        } catch (NoSuchFileException e) {
            throw new ConfigException(where(cfg) + "\"llm\": " + e.getMessage(), e);
        }
    }

    /** A component's folder or file: a local path, or a hub id's snapshot in the local cache. */
    static Path locate(CoDi2Config.Component c, String field) throws IOException {
        if (c.resolved() != null) {
            if (!Files.exists(c.resolved()))
                throw new ConfigException("\"" + field + "\": not found: " + c.resolved() + " (written as \"" + c.location() + "\")");
            return c.resolved();
        }
        Optional<Path> snap = HfCache.fromEnvironment().snapshot(c.location(), "main");
        if (snap.isEmpty())
            throw new ConfigException("\"" + field + "\": " + c.location() + " is neither a local path nor in the Hugging Face cache; download it with: codi4j download " + c.location());
        return snap.get();
    }

    static MediaEncoder encoder(CoDi2Config.Component c, Backend b) throws IOException {
        Path p = locate(c, "imagebind");
        return switch (c.kind()) {
            case "imagebind" -> {
                try {
                    yield ImageBindEncoder.load(p, b);
                } catch (IllegalArgumentException | FormatException e) {
                    if (e instanceof ConfigException ce) throw ce;
                    throw new ConfigException("\"imagebind\": " + p + " could not be loaded as ImageBind: " + e.getMessage(), e);
                }
            }
            default -> throw new ConfigException("\"imagebind\": unknown kind '" + c.kind() + "'; expected imagebind");
        };
    }

    static ImageDecoder imageDecoder(CoDi2Config.Component c, Backend b) throws IOException {
        Path p = locate(c, "image_decoder");
        return switch (c.kind()) {
            case "unclip" -> {
                try {
                    yield UnClipImageDecoder.load(p, b);
                } catch (IllegalArgumentException | FormatException e) {
                    if (e instanceof ConfigException ce) throw ce;
                    throw new ConfigException("\"image_decoder\": " + p + " could not be loaded as SD2.1-unCLIP: " + e.getMessage(), e);
                }
            }
            default -> throw new ConfigException("\"image_decoder\": unknown kind '" + c.kind() + "'; expected unclip");
        };
    }

    /** The tokenizer: explicit, else tokenizer.model / tokenizer.json beside the LLM, else the GGUF's own. */
    static Tokenizer tokenizer(CoDi2Config cfg, Path llmRoot, Path llmPath) throws IOException {
        try {
            if (cfg.tokenizer() != null) return tokenizerFile(cfg.tokenizer());
            Path dir = Files.isDirectory(llmRoot) ? llmRoot : llmRoot.getParent();
            for (String n : new String[] {"tokenizer.model", "tokenizer.json"}) {
                Path f = dir.resolve(n);
                if (Files.isRegularFile(f)) return tokenizerFile(f);
            }
            if (Files.isRegularFile(llmPath) && llmPath.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
                try (GgufFile g = GgufFile.open(llmPath)) { return ggufTokenizer(g); }
            }
        } catch (TokenizerException | FormatException e) {
            throw new ConfigException(where(cfg) + "the tokenizer could not be read: " + e.getMessage(), e);
        }
        throw new ConfigException(where(cfg) + "no tokenizer found: " + llmRoot + " has neither tokenizer.model nor tokenizer.json; "
                + "download them with the LLM, or name one with \"tokenizer\"");
    }

    static Tokenizer tokenizerFile(Path f) {
        if (!Files.isRegularFile(f)) throw new ConfigException("\"tokenizer\": not found: " + f);
        return f.getFileName().toString().endsWith(".json") ? SentencePieceTokenizer.fromHuggingFaceJson(f) : SentencePieceTokenizer.fromModelFile(f);
    }

    static Tokenizer ggufTokenizer(GgufFile g) {
        String src = g.path().toString();
        GgufValue types = g.getOrNull("tokenizer.ggml.token_type");
        GgufValue scores = g.getOrNull("tokenizer.ggml.scores");
        return SentencePieceTokenizer.fromGguf(new GgufTokenizerData(g.getString("tokenizer.ggml.model"), g.getStringList("tokenizer.ggml.tokens"),
                scores == null ? null : scores.asFloatArray(), types == null ? null : types.asIntArray(), intOrNull(g, "tokenizer.ggml.bos_token_id"),
                intOrNull(g, "tokenizer.ggml.eos_token_id"), intOrNull(g, "tokenizer.ggml.unknown_token_id"), intOrNull(g, "tokenizer.ggml.padding_token_id"),
                boolOrNull(g, "tokenizer.ggml.add_bos_token"), boolOrNull(g, "tokenizer.ggml.add_eos_token"), boolOrNull(g, "tokenizer.ggml.add_space_prefix"),
                boolOrNull(g, "tokenizer.ggml.remove_extra_whitespaces"), null, src));
    }

    private static Integer intOrNull(GgufFile g, String k) { GgufValue v = g.getOrNull(k); return v == null ? null : v.asInt(); }

    private static Boolean boolOrNull(GgufFile g, String k) { GgufValue v = g.getOrNull(k); return v == null ? null : v.asBoolean(); }

    @Override public void close() { closeAll(owned); }

    private static void closeAll(List<AutoCloseable> owned) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", owned.get(i), e.toString());
            }
        }
        owned.clear();
    }
}
