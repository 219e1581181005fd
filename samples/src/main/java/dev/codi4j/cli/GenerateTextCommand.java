package dev.codi4j.cli;

import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.llama.ChatTemplate;
import dev.codi4j.models.llama.Generator;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code codi4j generate-text}: one prompt in, its continuation (or a chat answer) streamed out, then tokens/s. */
@Command(name = "generate-text", mixinStandardHelpOptions = true,
        description = {"Generate text from a prompt with a Llama model (streams tokens; prints tokens/s on stderr)."},
        footer = {"", "Examples:", "  codi4j generate-text --model meta-llama/Llama-2-7b-chat-hf --chat --prompt 'Name three colours.'",
                "  codi4j generate-text --model stories260K --prompt 'Once upon a time' --temperature 0 -n 60"})
public final class GenerateTextCommand implements CliCommand, Callable<Integer> {
    @Mixin LlmOptions llm;

    @Option(names = {"-p", "--prompt"}, required = true, description = "The prompt")
    String prompt;

    @Option(names = "--chat", description = "Wrap the prompt in the Llama-2 chat template ([INST] ... [/INST]) and print only the answer")
    boolean chat;

    @Option(names = "--system", description = "System prompt (with --chat)")
    String system;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public int order() { return 31; }

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Tokenizer tok = llm.tokenizer();
        try (Backend b = llm.backend(); Llama m = llm.load(b); LlamaState st = llm.state(m)) {
            int[] ids;
            if (chat) {
                int[] turn = tok.encode(ChatTemplate.userTurn(system, prompt), EncodeOptions.PLAIN);
                ids = new int[turn.length + 1];
                ids[0] = tok.bosId();
                System.arraycopy(turn, 0, ids, 1, turn.length);
            } else {
                ids = tok.encode(prompt, tok.addsBosByDefault() ? EncodeOptions.WITH_BOS : EncodeOptions.PLAIN);
                if (ids.length == 0) throw new IllegalArgumentException("the prompt encodes to no tokens; give some text");
            }
            var cfg = llm.generation(m, tok);
            cfg = cfg.withMaxNewTokens(Math.min(cfg.maxNewTokens(), st.remaining() - ids.length));
            if (cfg.maxNewTokens() <= 0) throw new IllegalArgumentException("the prompt (" + ids.length + " tokens) fills the context of " + st.capacity() + "; raise --ctx or shorten it");
            Generator.Result r = new Generator(m).generate(st, new int[0], ids, cfg,
                    LlmOptions.text(tok, chat ? DecodeOptions.DEFAULT : DecodeOptions.CONTINUATION), (id, text) -> { out.print(text); out.flush(); });
            out.println();
            out.flush();
            LlmOptions.stats(err, r);
        }
        return 0;
    }
}
