package dev.codi4j.cli;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.CoDi2Config;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.GenerationSettings;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.MediaInputException;
import dev.codi4j.models.codi2.Prompt;
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
import picocli.CommandLine.ParseResult;

/**
 * {@code codi4j chat --config codi2.json}: a multi-turn CoDi-2 conversation on the console, run by
 * {@link ChatCommand} when a codi2.json is given. Media are attached to the next message with
 * {@code /image PATH}, {@code /audio PATH}, {@code /video PATH} and placed before its text;
 * generated images are saved to {@code --out} and listed, with a transcript.
 */
final class Codi2Chat {
    private Codi2Chat() {}

    static int run(ChatCommand cmd, ParseResult parsed) throws Exception {
        PrintWriter w = cmd.spec.commandLine().getOut(), err = cmd.spec.commandLine().getErr();
        if (parsed.hasMatchedOption("--model")) throw new IllegalArgumentException("give either --config (CoDi-2) or --model (a plain LLM), not both");
        CoDi2Config cfg = CoDi2Config.read(cmd.codi2);
        // only the sampling options given on the command line override the config's
        GenerationSettings g = cfg.generation();
        LlmOptions o = cmd.llm;
        if (o.seed != null) g = g.withSeed(o.seed);
        if (parsed.hasMatchedOption("--max-tokens")) g = g.withMaxNewTokens(o.maxTokens);
        if (parsed.hasMatchedOption("--temperature")) g = g.withTemperature(o.temperature);
        if (parsed.hasMatchedOption("--top-p")) g = g.withTopP(o.topP);
        cfg = cfg.withGeneration(g);
        if (parsed.hasMatchedOption("--ctx")) cfg = cfg.withContextLength(o.ctx);
        Path out = cmd.imagesOut;
        CoDi2.Options lo = CoDi2.Options.defaults().withDevice(o.device).withLog(s -> err.println("codi4j: " + s));
        BufferedReader in = new BufferedReader(new InputStreamReader(cmd.in, StandardCharsets.UTF_8));
        try (CoDi2 m = CoDi2.load(cfg, lo); Conversation c = m.newConversation()) {
            w.println(m.describe());
            w.println("Type a message; /image PATH, /audio PATH, /video PATH attach media; /reset, /quit. Images go to " + out.toAbsolutePath());
            w.flush();
            List<Media> pending = new ArrayList<>();
            Map<GeneratedImage, Path> files = new LinkedHashMap<>();
            ConsoleReplyListener l = new ConsoleReplyListener(w, false);
            while (true) {
                w.print(pending.isEmpty() ? "you> " : "you [" + pending.size() + " attached]> ");
                w.flush();
                String line = in.readLine();
                if (line == null) { w.println(); break; }
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
                    Reply r = c.send(Prompt.of(parts.toArray()), l);
                    l.closeBar();
                    w.println();
                    pending.clear();
                    if (!r.images().isEmpty()) Files.createDirectories(out);
                    for (GeneratedImage gi : r.images()) {
                        Path f = gi.save(out.resolve("image-" + gi.index() + ".png"));
                        files.put(gi, f);
                        w.println("  [image " + gi.index() + " saved: " + f + "]");
                    }
                    for (String n : r.notices()) w.println("  note: " + n);
                    Files.createDirectories(out);
                    Codi2Cli.writeText(out.resolve("transcript.md"), Codi2Cli.transcript(c, "codi4j chat", List.of("Model: " + m.describe()), files));
                } catch (PromptTooLongException | MediaInputException e) {
                    l.closeBar();
                    w.println();
                    w.println("error: " + e.getMessage());
                }
            }
        }
        return 0;
    }
}
