package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Images;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code codi4j demo}, {@code generate} and {@code chat} end to end on the tiny random demo model
 * (mechanics: files written, errors typed and leaving nothing behind), in a few seconds.
 */
class Codi2CliTest {
    @TempDir static Path cache;
    static Path demo;

    @BeforeAll static void model() throws Exception { demo = DemoModel.ensure(cache, s -> {}); }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static long files(Path dir) throws Exception {
        if (!Files.exists(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) { return s.count(); }
    }

    @Test
    void demoRunsBothTurnsAndSaysTheWeightsAreRandom(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("demo-out");
        Run r = run("demo", "--out", out.toString(), "--cache", cache.toString(), "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("RANDOM weights") && r.out().contains("docs/codi2.md"), r.out());
        assertTrue(r.out().contains("an edit of generated image 1"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("image-1.png")) && Files.isRegularFile(out.resolve("image-2.png")));
        String md = Files.readString(out.resolve("transcript.md"));
        assertTrue(md.contains("## Turn 2") && md.contains("#image#_0") && md.contains("#audio#_0") && md.contains("random"), md);
        assertEquals(64, Images.read(out.resolve("image-2.png")).width());
        assertEquals(3, files(out), "only the two images and the transcript, no temporary files");
    }

    @Test
    void generateFillsSlotsAndWritesImagesAndReply(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("gen");
        Run r = run("generate", "-c", demo.resolve("codi2.json").toString(), "-p", "Make it look like {image} in winter", "--image",
                demo.resolve("inputs/photo.png").toString(), "--audio", demo.resolve("inputs/birdsong.wav").toString(), "--out", out.toString(),
                "--seed", "3", "--steps", "2", "--size", "32", "-q");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(DemoModel.PLANTED_REPLY), r.out());
        String md = Files.readString(out.resolve("reply.md"));
        assertTrue(md.contains("Make it look like #image#_0 in winter #audio#_0"), "slot filled, unslotted media appended: " + md);
        assertEquals(32, Images.read(out.resolve("image-1.png")).width());
        String png = new String(Files.readAllBytes(out.resolve("image-1.png")), StandardCharsets.ISO_8859_1);
        assertTrue(png.contains("Seed") && png.contains("Make it look like"), "prompt and seed in the PNG");
    }

    @Test
    void badInputFailsWithAMessageAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("never");
        String cfg = demo.resolve("codi2.json").toString();
        Path txt = Files.writeString(tmp.resolve("notes.txt"), "x");
        String[][] cases = {
                {"generate", "-c", cfg, "-p", "x", "--image", tmp.resolve("missing.png").toString(), "--out", out.toString()},
                {"generate", "-c", cfg, "-p", "x", "--image", txt.toString(), "--out", out.toString()},
                {"generate", "-c", tmp.resolve("nope.json").toString(), "-p", "x", "--out", out.toString()},
                {"generate", "-c", cfg, "-p", "{image} and {image}", "--image", demo.resolve("inputs/photo.png").toString(), "--out", out.toString()},
                {"generate", "-c", cfg, "--ctx", "300", "-p", "Look", "--image", demo.resolve("inputs/photo.png").toString(), "--image",
                        demo.resolve("inputs/photo.png").toString(), "--out", out.toString(), "-q"},
        };
        String[] expect = {"missing.png", "notes.txt could not be read as an image", "nope.json", "more {image} slots", "context"};
        for (int i = 0; i < cases.length; i++) {
            Run r = run(cases[i]);
            assertEquals(2, r.code(), String.join(" ", cases[i]) + "\n" + r.out() + r.err());
            assertTrue(r.err().contains(expect[i]), expect[i] + " in: " + r.err());
            assertFalse(Files.exists(out), "nothing written for: " + String.join(" ", cases[i]));
        }
    }

    @Test
    void chatAttachesMediaSavesImagesAndKeepsATranscript(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("chat");
        String input = "/image " + demo.resolve("inputs/photo.png") + "\nAdd snow to the picture\n/audio " + tmp.resolve("missing.wav")
                + "\nand now at night\n/quit\n";
        InputStream old = System.in;
        Run r;
        try {
            System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            r = run("chat", "-c", demo.resolve("codi2.json").toString(), "--out", out.toString(), "--seed", "4");
        } finally {
            System.setIn(old);
        }
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(attached photo.png)") && r.out().contains("missing.wav: file not found"), r.out());
        assertTrue(r.out().contains("[image 1 saved: ") && r.out().contains("[image 2 saved: "), r.out());
        String md = Files.readString(out.resolve("transcript.md"));
        assertTrue(md.contains("## Turn 2") && md.contains("edits photo.png"), md);
    }

    @Test
    void helpForEachCommand() {
        for (String c : new String[] {"demo", "generate", "chat"}) {
            Run r = run(c, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().contains("Usage: codi4j " + c), r.out());
        }
        assertTrue(run("generate", "--help").out().contains("--device"));
        assertTrue(run("chat", "--help").out().contains("--config"), "chat takes a codi2.json");
        Run noModel = run("chat");
        assertEquals(2, noModel.code());
        assertTrue(noModel.err().contains("--model is required") && noModel.err().contains("--config"), noModel.err());
    }
}
