package dev.codi4j.cli;

import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.StreamingDecoder;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.loaders.tokenizer.TokenizerException;
import dev.codi4j.models.llama.GenerationConfig;
import dev.codi4j.models.llama.Generator;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.models.llama.Lora;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options shared by {@code chat} and {@code generate-text}: the model, the device and sampling. */
final class LlmOptions {
    // not required by picocli: `chat --config codi2.json` runs CoDi-2 without it; requireModel() checks at use
    @Option(names = {"-m", "--model"}, paramLabel = "PATH",
            description = "Hugging Face folder, .safetensors file (config.json and tokenizer beside it), .gguf file, or hub id in the local cache")
    String model;

    @Option(names = "--device", defaultValue = "cpu", description = "Backend: cpu, reference, ... (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "Worker threads, 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seed", description = "Sampling seed (default: random); the same seed gives the same text on the same backend")
    Long seed;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "Convert the weight matrices at load: f16, bf16, q8_0, q4_0, f32 (default: as stored)")
    String dtype;

    @Option(names = "--lora", paramLabel = "DIR", description = "A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors/.bin)")
    Path lora;

    @Option(names = "--lora-mode", defaultValue = "auto", description = "auto (merge into float weights, on the fly for quantised), merge or on-the-fly (default: ${DEFAULT-VALUE})")
    String loraMode;

    @Option(names = "--ctx", defaultValue = "2048", description = "Context length (KV cache size) in tokens, at most the model's (default: ${DEFAULT-VALUE})")
    int ctx;

    @Option(names = "--kv-dtype", defaultValue = "f16", description = "KV cache dtype: f16 (half the memory, as llama.cpp) or f32 (exact) (default: ${DEFAULT-VALUE})")
    String kvDtype;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "512", description = "Most tokens generated per answer (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.6", description = "0 for greedy decoding (default: ${DEFAULT-VALUE}, as Meta's chat example)")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens, 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass, 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty, 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the text contains this (repeatable)")
    List<String> stop = new ArrayList<>();

    LlamaState state(Llama m) { return m.newState(Math.min(ctx, m.config().maxPositionEmbeddings()), 512, DType.parse(kvDtype)); }

    Backend backend() { return Backends.create(device, new BackendProvider.Options(threads, 0)); }

    Llama load(Backend b) throws IOException {
        requireModel();
        LlamaLoader.Options o = new LlamaLoader.Options(dtype == null ? null : DType.parse(dtype), lora, Lora.Mode.parse(loraMode));
        return LlamaLoader.load(LlamaLoader.resolve(model), o, b);
    }

    Tokenizer tokenizer() throws IOException {
        requireModel();
        try {
            return LlamaLoader.tokenizer(Path.of(model));
        } catch (TokenizerException e) {
            throw new IllegalArgumentException("cannot read the tokenizer of " + model + ": " + e.getMessage(), e);
        }
    }

    void requireModel() {
        if (model == null) throw new IllegalArgumentException("--model is required: a Hugging Face folder, .safetensors, .gguf or hub id"
                + " (for CoDi-2, 'chat --config codi2.json' instead)");
    }

    GenerationConfig generation(Llama m, Tokenizer t) {
        Set<Integer> eos = new HashSet<>(m.config().eosTokenId());
        if (t.eosId() >= 0) eos.add(t.eosId());
        long s = seed != null ? seed : System.nanoTime();
        return new GenerationConfig(maxTokens, temperature, topK, topP, repeatPenalty, s, stop, eos);
    }

    static Generator.TextStream text(Tokenizer t, DecodeOptions o) {
        StreamingDecoder d = t.newStreamingDecoder(o);
        return new Generator.TextStream() {
            @Override public String next(int id) { return d.next(id); }
            @Override public String finish() { return d.finish(); }
        };
    }

    static void stats(PrintWriter err, Generator.Result r) {
        err.printf(Locale.ROOT, "[%d prompt tokens at %.1f tok/s; %d tokens generated, %.2f tok/s; stop: %s]%n",
                r.promptTokens(), r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(), r.reason().name().toLowerCase(Locale.ROOT));
        err.flush();
    }
}
