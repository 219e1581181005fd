package dev.codi4j.examples;

import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.StreamingDecoder;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.llama.GenerationConfig;
import dev.codi4j.models.llama.Generator;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text generation with a Llama model through the Java API: load (HF folder, safetensors or GGUF,
 * memory-mapped), encode, generate greedily with a streaming callback, print the speed.
 *
 * <pre>
 * java ... dev.codi4j.examples.LlamaGenerate [model] [prompt] [device]
 * </pre>
 * Without arguments it runs the stories260K model from {@code ../shared/models} when that exists.
 */
public final class LlamaGenerate {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args.length > 0 ? args[0] : "../shared/models/stories260K");
        if (!Files.exists(model)) {
            System.err.println("usage: LlamaGenerate MODEL [PROMPT] [DEVICE]  (a Llama folder, .safetensors or .gguf; " + model + " does not exist)");
            System.exit(2);
        }
        String prompt = args.length > 1 ? args[1] : "Once upon a time";
        try (Backend backend = Backends.create(args.length > 2 ? args[2] : "cpu");
             Llama llama = LlamaLoader.load(model, backend);
             LlamaState state = llama.newState(256)) {
            Tokenizer tok = LlamaLoader.tokenizer(model);
            int[] ids = tok.encode(prompt, EncodeOptions.WITH_BOS);
            StreamingDecoder text = tok.newStreamingDecoder(DecodeOptions.CONTINUATION);
            System.out.print(prompt);
            Generator.Result r = new Generator(llama).generate(state, new int[0], ids, GenerationConfig.greedy(64, tok.eosId()),
                    new Generator.TextStream() {
                        @Override public String next(int id) { return text.next(id); }
                        @Override public String finish() { return text.finish(); }
                    },
                    (id, piece) -> System.out.print(piece));
            System.out.printf("%n[%d tokens, %.1f tok/s, stop: %s]%n", r.tokens().length, r.decodeTokensPerSecond(), r.reason());
        }
    }
}
