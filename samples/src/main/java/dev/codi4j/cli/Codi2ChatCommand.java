package dev.codi4j.cli;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.CoDi2Config;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.MediaInputException;
import dev.codi4j.models.codi2.PromptTooLongException;
import dev.codi4j.models.codi2.Reply;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j chat}: a multi-turn CoDi-2 conversation on the console. {@code --config} runs the
 * model a codi2.json names; {@code --model} chats with a plain Llama checkpoint (CoDi-2's LLM alone).
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"A multi-turn conversation with CoDi-2 (text, images, audio, video in; text and images out).",
                "Attach media to your next message with /image PATH, /audio PATH or /video PATH (several allowed);",
                "they are placed before your text. Generated images are saved to --out and listed.",
                "Commands: /image /audio /video PATH, /reset (new conversation), /help, /quit.",
                "With --model instead of --config it chats with a plain Llama checkpoint (no media)."},
        footer = {"", "Examples:", "  codi4j chat --config codi2.json --out chat-images/",
                "  codi4j chat --model meta-llama/Llama-2-7b-chat-hf"})
public final class Codi2ChatCommand implements CliCommand, Callable<Integer> {
    @Mixin Codi2Options opts;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "LLM", description = "A Llama checkpoint (folder, .gguf or hub id) to chat with, instead of --config")
    String model;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "codi4j-chat", description = "Folder for generated images and transcript.md (default: ${DEFAULT-VALUE})")
    Path out;

    @Override public int order() { return 3; }

    @Override public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        CoDi2Config cfg;
        if (model != null) {
            if (opts.config != null) throw new IllegalArgumentException("give either --config (CoDi-2) or --model (a plain LLM), not both");
            cfg = opts.apply(CoDi2Config.parse("{\"llm\": " + com.google.gson.JsonParser.parseString("\"" + model.replace("\\", "\\\\").replace("\"", "\\\"") + "\"") + "}",
                    Path.of("").toAbsolutePath().resolve("codi2.json")));
        } else cfg = opts.read();
        CoDi2.Options o = CoDi2.Options.defaults().withDevice(opts.device).withLog(opts.quiet ? null : s -> System.err.println("codi4j: " + s));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (CoDi2 m = CoDi2.load(cfg, o); Conversation c = m.newConversation()) {
            w.println(m.describe());
            w.println("Type a message; /image PATH, /audio PATH, /video PATH attach media; /reset, /quit. Images go to " + out.toAbsolutePath());
            w.flush();
            List<Media> pending = new ArrayList<>();
            Map<GeneratedImage, Path> files = new LinkedHashMap<>();
            ConsoleReplyListener l = new ConsoleReplyListener(w, opts.quiet);
            while (true) {
                w.print(pending.isEmpty() ? "you> " : "you [" + pending.size() + " attached]> ");
                w.flush();
                String line = in.readLine();
                if (line == null) break;
                String t = line.strip();
                if (t.isEmpty()) continue;
                if (t.equals("/quit") || t.equals("/exit")) break;
                if (t.equals("/help")) {
                    w.println("/image PATH, /audio PATH, /video PATH: attach to the next message; /reset: forget the conversation; /quit");
                    continue;
                }
                if (t.equals("/reset")) {
                    c.reset();
                    pending.clear();
                    w.println("(conversation reset)");
                    continue;
                }
                if (t.startsWith("/image ") || t.startsWith("/audio ") || t.startsWith("/video ")) {
                    Path p = Path.of(t.substring(7).strip());
                    try {
                        pending.add(switch (t.substring(1, 6)) {
                            case "image" -> Media.Image.read(p);
                            case "audio" -> Media.Audio.read(p);
                            default -> Media.Video.read(p);
                        });
                        w.println("(attached " + p.getFileName() + ")");
                    } catch (MediaInputException e) {
                        w.println("error: " + e.getMessage());
                    }
                    continue;
                }
                if (t.startsWith("/")) {
                    w.println("unknown command " + t.split(" ")[0] + "; /help lists them");
                    continue;
                }
                List<Object> parts = new ArrayList<>(pending);
                if (!pending.isEmpty()) parts.add(" ");
                parts.add(t);
                try {
                    w.print("codi2> ");
                    Reply r = c.send(dev.codi4j.models.codi2.Prompt.of(parts.toArray()), l);
                    l.closeBar();
                    w.println();
                    pending.clear();
                    if (!r.images().isEmpty()) Files.createDirectories(out);
                    for (GeneratedImage g : r.images()) {
                        Path f = g.save(out.resolve("image-" + g.index() + ".png"));
                        files.put(g, f);
                        w.println("  [image " + g.index() + " saved: " + f + "]");
                    }
                    for (String n : r.notices()) w.println("  note: " + n);
                    if (!files.isEmpty() || c.turns().size() > 0) {
                        Files.createDirectories(out);
                        Codi2Cli.writeText(out.resolve("transcript.md"), Codi2Cli.transcript(c, "codi4j chat", List.of("Model: " + m.describe()), files));
                    }
                } catch (PromptTooLongException e) {
                    l.closeBar();
                    w.println();
                    w.println("error: " + e.getMessage());
                }
            }
        }
        return 0;
    }
}
