package dev.codi4j.cli;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.CoDi2Config;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.Prompt;
import dev.codi4j.models.codi2.Reply;
import java.io.PrintWriter;
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

/** {@code codi4j generate}: one CoDi-2 turn from the command line. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"One CoDi-2 turn: text with images, audio and video in; text and images out.",
                "Media go where the prompt has {image}, {audio} or {video} (in the order given), else after the text.",
                "Without CoDi-2 projector weights in the config (none are public) this runs in ImageBind-direct mode:",
                "the LLM answers the text, and the media embeddings go straight to the image decoder."},
        footer = {"", "Examples:", "  codi4j generate -c codi2.json -p 'Make it look like {image} in winter' --image cat.png --out out/",
                "  codi4j generate -c codi2.json -p 'Turn this sound into a picture' --audio birds.wav --seed 7",
                "  codi4j demo   # writes a tiny random model and its codi2.json, then runs it"})
public final class GenerateCommand implements CliCommand, Callable<Integer> {
    @Mixin Codi2Options opts;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The instruction, with optional {image} {audio} {video} slots")
    String prompt = "";

    @Option(names = "--image", paramLabel = "FILE", description = "An input image (repeatable)")
    List<Path> images = new ArrayList<>();

    @Option(names = "--audio", paramLabel = "FILE", description = "An input audio clip (repeatable)")
    List<Path> audio = new ArrayList<>();

    @Option(names = "--video", paramLabel = "FILE", description = "An input video (repeatable)")
    List<Path> videos = new ArrayList<>();

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "codi4j-out", description = "Folder for image-N.png and reply.md (default: ${DEFAULT-VALUE})")
    Path out;

    @Override public int order() { return 2; }

    @Override public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        CoDi2Config cfg = opts.read();
        // read every input before loading anything: a bad file fails fast and writes nothing
        List<Media> media = new ArrayList<>();
        for (Path p : images) media.add(Media.Image.read(p));
        for (Path p : audio) media.add(Media.Audio.read(p));
        for (Path p : videos) media.add(Media.Video.read(p));
        Prompt p = Codi2Cli.prompt(prompt, media);
        if (p.isEmpty()) throw new IllegalArgumentException("nothing to do: give --prompt and/or media (--image, --audio, --video)");
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file; give a folder");
        CoDi2.Options o = CoDi2.Options.defaults().withDevice(opts.device).withLog(opts.quiet ? null : s -> System.err.println("codi4j: " + s));
        try (CoDi2 model = CoDi2.load(cfg, o); Conversation c = model.newConversation()) {
            ConsoleReplyListener l = new ConsoleReplyListener(w, opts.quiet);
            Reply r = c.send(p, l);
            l.closeBar();
            w.println();
            Map<GeneratedImage, Path> files = new LinkedHashMap<>();
            if (!r.images().isEmpty()) Files.createDirectories(out);
            List<Path> saved = Codi2Cli.saveImages(r, out);
            for (int i = 0; i < saved.size(); i++) files.put(r.images().get(i), saved.get(i));
            Files.createDirectories(out);
            Path md = out.resolve("reply.md");
            Codi2Cli.writeText(md, Codi2Cli.transcript(c, "codi4j generate", List.of("Model: " + model.describe()), files));
            for (String n : r.notices()) w.println("note: " + n);
            for (Path f : saved) w.println("wrote " + f);
            w.println("wrote " + md);
            w.flush();
        }
        return 0;
    }
}
