package dev.codi4j.cli;

import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.llama.ChatSession;
import dev.codi4j.models.llama.ContextLengthException;
import dev.codi4j.models.llama.GenerationConfig;
import dev.codi4j.models.llama.Generator;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j chat}: an interactive Llama-2-chat conversation in the terminal. The KV cache is kept
 * across turns, so each answer starts after prefilling only the new question.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Chat with a Llama-2-chat model in the terminal (streams tokens, prints tokens/s after each answer).",
                "Commands: /reset (new conversation), /system TEXT (set the system prompt and start over), /help; Ctrl-D leaves.",
                "With --config codi2.json it chats with CoDi-2 instead: attach media with /image PATH, /audio PATH, /video PATH;",
                "generated images are saved to --out and listed (--device, --seed, --ctx, -n, --temperature, --top-p apply)."},
        footer = {"", "Examples:", "  codi4j chat --model meta-llama/Llama-2-7b-chat-hf --dtype q8_0",
                "  codi4j chat --config codi2.json --out chat-images/"})
public final class ChatCommand implements CliCommand, Callable<Integer> {
    @Mixin LlmOptions llm;

    @Option(names = "--system", description = "System prompt")
    String system;

    @Option(names = {"-c", "--config"}, paramLabel = "JSON", description = "A codi2.json: chat with CoDi-2 (text and media) instead of a plain LLM")
    java.nio.file.Path codi2;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "codi4j-chat", description = "With --config: folder for generated images and transcript.md (default: ${DEFAULT-VALUE})")
    java.nio.file.Path imagesOut;

    /** Where questions come from (standard input; tests give a stream). */
    InputStream in = System.in;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public int order() { return 30; }

    @Override public Integer call() throws Exception {
        if (codi2 != null) return Codi2Chat.run(this, spec.commandLine().getParseResult());
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Tokenizer tok = llm.tokenizer();
        try (Backend b = llm.backend(); Llama m = llm.load(b); LlamaState st = llm.state(m)) {
            GenerationConfig cfg = llm.generation(m, tok);
            ChatSession chat = new ChatSession(m, st, text -> tok.encode(text, EncodeOptions.PLAIN),
                    () -> LlmOptions.text(tok, DecodeOptions.DEFAULT), tok.bosId(), tok.eosId(), system);
            err.printf("codi4j chat: %s, context %d tokens. /reset, /system TEXT, Ctrl-D to leave.%n", llm.model, st.capacity());
            err.flush();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int turn = 0;
            while (true) {
                out.print("> ");
                out.flush();
                String line = r.readLine();
                if (line == null) { out.println(); break; }
                line = line.strip();
                if (line.isEmpty()) continue;
                if (line.equals("/reset")) { chat.reset(); out.println("(new conversation)"); continue; }
                if (line.equals("/system") || line.startsWith("/system ")) {
                    chat.setSystem(line.substring("/system".length()).strip());
                    out.println(chat.system() == null ? "(system prompt cleared; new conversation)" : "(system prompt set; new conversation)");
                    continue;
                }
                if (line.equals("/help")) { out.println("/reset  new conversation\n/system TEXT  set the system prompt (starts over)\nCtrl-D  leave"); continue; }
                if (line.startsWith("/") && !line.startsWith("//")) { out.println("unknown command " + line.split("\\s")[0] + "; /help lists them"); continue; }
                try {
                    Generator.Result res = chat.reply(line, cfg.withSeed(cfg.seed() + turn++), (id, text) -> { out.print(text); out.flush(); });
                    out.println();
                    out.flush();
                    LlmOptions.stats(err, res);
                } catch (ContextLengthException e) {
                    out.println("(the conversation fills the context of " + st.capacity() + " tokens; /reset to start over, or restart with a larger --ctx)");
                }
            }
        }
        return 0;
    }
}
