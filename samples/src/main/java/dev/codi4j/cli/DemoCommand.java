package dev.codi4j.cli;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.CoDi2Config;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.ImageSettings;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.Prompt;
import dev.codi4j.models.codi2.Reply;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code codi4j demo}: the whole CoDi-2 pipeline on a tiny random model, end to end, in seconds —
 * text + image + audio in, text + image out, then a second turn that edits the generated image.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run CoDi-2 end to end on a tiny model with RANDOM weights (written once to a cache folder):",
                "turn 1 sends a photo, a sound and an instruction and gets text and a picture back;",
                "turn 2 sends the generated picture back with an edit instruction.",
                "Everything real runs (loaders, Llama + LoRA, projectors, splicing, output features, routing, PNG writing);",
                "the weights are random, so the words and pictures mean nothing. See docs/codi2.md for real checkpoints."},
        footer = {"", "Then try the same model interactively:  codi4j chat --config <cache>/v1/codi2.json"})
public final class DemoCommand implements CliCommand, Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "codi4j-demo", description = "Folder for the images and transcript (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--cache", paramLabel = "DIR", description = "Where the demo model is written (default: $CODI4J_CACHE/demo or ~/.cache/codi4j/demo)")
    Path cache;

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "cpu", description = "Backend: cpu, reference, ... (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed for sampling and painting (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars or loading messages")
    boolean quiet;

    @Override public int order() { return 1; }

    @Override public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        long t0 = System.nanoTime();
        if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a file; give a folder");
        Path root = cache != null ? cache : DemoModel.defaultRoot();
        Path dir = DemoModel.ensure(root, s -> { if (!quiet) System.err.println("codi4j: " + s); });
        CoDi2Config cfg = CoDi2Config.read(dir.resolve("codi2.json"));
        cfg = cfg.withGeneration(cfg.generation().withSeed(seed));
        w.println("codi4j demo — CoDi-2 end to end on a TINY model with RANDOM weights (" + dir + ").");
        w.println("The words and pictures below mean nothing; what runs is the real pipeline.");
        w.println();
        CoDi2.Options o = CoDi2.Options.defaults().withDevice(device).withLog(quiet ? null : s -> System.err.println("codi4j: " + s));
        Map<GeneratedImage, Path> files = new LinkedHashMap<>();
        try (CoDi2 model = CoDi2.load(cfg, o); Conversation c = model.newConversation()) {
            ConsoleReplyListener l = new ConsoleReplyListener(w, quiet);
            Media.Image photo = Media.Image.read(dir.resolve("inputs/photo.png"));
            Media.Audio bird = Media.Audio.read(dir.resolve("inputs/birdsong.wav"));

            Prompt p1 = Prompt.of("Here is a photo ", photo, " and a sound ", bird, ". Paint what you hear in the scene you see.");
            c.setImageSettings(cfg.image().withEdit(ImageSettings.EditMode.NEVER, cfg.image().imageGuidance()));
            Reply r1 = turn(w, c, 1, p1, l);
            if (r1.images().isEmpty()) throw new IllegalStateException("the demo's first turn painted no image; the demo model is damaged — delete " + dir + " and run again");

            Prompt p2 = Prompt.of("Now make it snowy: ", r1.images().getFirst());
            c.setImageSettings(cfg.image());
            turn(w, c, 2, p2, l);

            Files.createDirectories(out);
            for (GeneratedImage g : c.generatedImages()) files.put(g, g.save(out.resolve(String.format(Locale.ROOT, "image-%d.png", g.index()))));
            Path md = out.resolve("transcript.md");
            Codi2Cli.writeText(md, Codi2Cli.transcript(c, "codi4j demo (random weights)", List.of(
                    "All weights of this model are random (seeded); the LLM's output head has one planted sentence (\"" + DemoModel.PLANTED_REPLY
                            + "\") so that it emits CoDi-2's image marker. The encoder and image decoder are labelled demo stand-ins.",
                    "Model: " + model.describe()), files));
            w.println();
            w.println("Wrote to " + out.toAbsolutePath() + ":");
            for (Path f : files.values()) w.println("  " + f.getFileName() + "   (PNG; prompt and seed in its text chunks)");
            w.println("  " + md.getFileName());
        }
        w.println(String.format(Locale.ROOT, "%nDone in %.1f s. These weights are RANDOM: the output only shows that every stage runs.", (System.nanoTime() - t0) * 1e-9));
        w.println("To run real checkpoints (Llama-2-7b-chat, ImageBind-huge, SD2.1-unCLIP), write a codi2.json as described in");
        w.println("docs/codi2.md and run:  codi4j generate --config codi2.json --prompt '...' --image a.png --audio b.wav");
        w.println("No trained CoDi-2 projector weights are public; without them codi4j runs in ImageBind-direct mode.");
        w.flush();
        return 0;
    }

    private static Reply turn(PrintWriter w, Conversation c, int n, Prompt p, ConsoleReplyListener l) {
        w.println("Turn " + n + " — you: " + p);
        w.print("         CoDi-2: ");
        w.flush();
        Reply r = c.send(p, l);
        l.closeBar();
        w.println();
        for (GeneratedImage g : r.images()) w.println("         [image " + g.index() + (g.editedFrom() == null ? "" : ", an edit of " + g.editedFrom()) + ", seed " + g.seed() + "]");
        for (String note : r.notices()) w.println("         note: " + note);
        w.flush();
        return r;
    }
}
