package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.LlamaGgufConverter;
import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.EncodeOptions;
import dev.codi4j.loaders.tokenizer.SentencePieceTokenizer;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.llama.ChatTemplate;
import dev.codi4j.models.llama.GenerationConfig;
import dev.codi4j.models.llama.Generator;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaLoader;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The chat and generate-text commands run in-process on stories260K (skipped without /work/shared) and on bad input. */
class LlmCommandsTest {

    static Path stories() {
        Path p = Path.of(System.getProperty("codi4j.shared", "../shared")).resolve("models/stories260K");
        assumeTrue(Files.isRegularFile(p.resolve("model.safetensors")), "stories260K not found under -Dcodi4j.shared; skipping");
        return p;
    }

    record Run(int rc, String out, String err) {}

    /** Runs the given command instance (tests set its input) with Main's error handling. */
    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine sub = new CommandLine(command);
        sub.setOut(new PrintWriter(out, true));
        sub.setErr(new PrintWriter(err, true));
        sub.setExecutionExceptionHandler(Main.commandLine().getExecutionExceptionHandler());
        int rc = sub.execute(args);
        return new Run(rc, out.toString(), err.toString());
    }

    /** Greedy generate-text prints llama2.c's run.c story for the prompt, token for token. */
    @Test void generateTextReproducesLlama2cGreedyStory() throws IOException {
        Path s = stories();
        JsonObject g = JsonParser.parseString(Files.readString(s.resolve("reference_generations.json"))).getAsJsonObject()
                .getAsJsonArray("generations").get(0).getAsJsonObject();
        String prompt = g.get("prompt").getAsString(), text = g.get("text").getAsString();
        Run r = run(new GenerateTextCommand(), "--model", s.toString(), "--prompt", prompt, "--temperature", "0", "-n", "60", "--threads", "1", "--seed", "3");
        assertEquals(0, r.rc(), r.err());
        assertEquals(text, prompt + r.out().replace(System.lineSeparator(), "\n"));
        assertTrue(r.err().matches("(?s).*\\[5 prompt tokens at [0-9.]+ tok/s; 60 tokens generated, [0-9.]+ tok/s; stop: max_tokens].*"), r.err());
    }

    /** Chat: answers stream, /reset and /system start over, tokens/s after each answer; the first answer is the greedy continuation of the template. */
    @Test void chatAnswersResetsAndSetsTheSystemPrompt() throws IOException {
        Path s = stories();
        ChatCommand chat = new ChatCommand();
        chat.in = new ByteArrayInputStream("Lily wanted to\n/reset\n/system Be kind.\nThe little dog\n/bogus\n".getBytes(StandardCharsets.UTF_8));
        Run r = run(chat, "--model", s.toString(), "--temperature", "0", "-n", "12", "--threads", "1");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("(new conversation)"), r.out());
        assertTrue(r.out().contains("(system prompt set; new conversation)"), r.out());
        assertTrue(r.out().contains("unknown command /bogus"), r.out());
        assertEquals(2, r.err().split("tokens generated", -1).length - 1, r.err());
        // expected first answer: greedy over <s>[INST] Lily wanted to [/INST], computed through the library
        try (Backend b = Backends.create("cpu"); Llama m = LlamaLoader.load(s, b); LlamaState st = m.newState(256)) {
            Tokenizer tok = LlamaLoader.tokenizer(s);
            int[] turn = tok.encode(ChatTemplate.userTurn(null, "Lily wanted to"), EncodeOptions.PLAIN);
            int[] ids = new int[turn.length + 1];
            ids[0] = tok.bosId();
            System.arraycopy(turn, 0, ids, 1, turn.length);
            Generator.Result want = new Generator(m).generate(st, new int[0], ids, GenerationConfig.greedy(12, 2), Generator.TextStream.NONE, Generator.Listener.NONE);
            String first = tok.decode(want.tokens(), DecodeOptions.DEFAULT);
            assertTrue(r.out().startsWith("> " + first), "expected the answer '" + first + "' in\n" + r.out());
        }
    }

    /** The same story from a GGUF conversion of stories260K that carries its tokenizer (tokenizer.ggml.* metadata). */
    @Test void generateTextFromAGgufWithItsTokenizer(@TempDir Path tmp) throws IOException {
        Path s = stories();
        SentencePieceTokenizer sp = SentencePieceTokenizer.fromModelFile(s.resolve("tokenizer.model"));
        int v = sp.vocabSize();
        List<String> pieces = new ArrayList<>();
        float[] scores = new float[v];
        int[] types = new int[v];
        for (int i = 0; i < v; i++) { pieces.add(sp.idToPiece(i)); scores[i] = sp.score(i); types[i] = sp.pieceType(i).code(); }
        Path gguf = tmp.resolve("stories260K.gguf");
        try (Weights w = Weights.open(s.resolve("model.safetensors"))) {
            LlamaGgufConverter.convert(w, LlamaConfig.fromJson(s.resolve("config.json")),
                    new LlamaGgufConverter.Vocab(pieces, scores, types, sp.bosId(), sp.eosId(), sp.unkId(), null, true, false), DType.F32, "stories260K", gguf);
        }
        JsonObject g = JsonParser.parseString(Files.readString(s.resolve("reference_generations.json"))).getAsJsonObject()
                .getAsJsonArray("generations").get(1).getAsJsonObject();
        String prompt = g.get("prompt").getAsString();
        Run r = run(new GenerateTextCommand(), "--model", gguf.toString(), "--prompt", prompt, "--temperature", "0", "-n", "60");
        assertEquals(0, r.rc(), r.err());
        assertEquals(g.get("text").getAsString(), prompt + r.out().replace(System.lineSeparator(), "\n"));
    }

    @Test void helpListsTheCommonOptions() {
        for (Object c : new Object[] {new ChatCommand(), new GenerateTextCommand()}) {
            Run r = run(c, "--help");
            for (String o : new String[] {"--model", "--device", "--threads", "--seed", "--dtype", "--lora", "--ctx", "--temperature", "--top-k", "--top-p", "--repeat-penalty", "--stop"})
                assertTrue(r.out().contains(o), o + " missing in\n" + r.out());
        }
    }

    @Test void aModelWithoutTokenizerIsExplained(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{}");
        Run r = run(new GenerateTextCommand(), "--model", dir.toString(), "--prompt", "hi");
        assertEquals(2, r.rc());
        assertTrue(r.err().contains("tokenizer.model"), r.err());
        Run missing = run(new GenerateTextCommand(), "--model", tmp.resolve("nope").toString(), "--prompt", "hi");
        assertEquals(2, missing.rc());
        assertTrue(missing.err().contains("nope"), missing.err());
    }
}
