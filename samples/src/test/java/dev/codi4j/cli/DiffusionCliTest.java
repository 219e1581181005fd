package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.PngChunks;
import dev.codi4j.loaders.media.Wav;
import dev.codi4j.loaders.npy.Npy;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.imagebind.RandomImageBind;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code codi4j image} and {@code codi4j edit} end to end on tiny random pipeline folders the test
 * writes (diffusers layout, upstream tensor names): outputs, PNG metadata, reproducibility by seed,
 * embedding files and mixes, ImageBind audio conditioning, and the errors users meet first.
 */
class DiffusionCliTest {
    @TempDir static Path dir;
    static Path unclip, pix2pix, png, imagebind, wav;

    @BeforeAll static void write() throws Exception {
        try (Backend b = Backends.create("cpu")) {
            unclip = TinyDiffusionPipelines.unclip(b, dir.resolve("tiny-unclip"));
            pix2pix = TinyDiffusionPipelines.pix2pix(b, dir.resolve("tiny-pix2pix"));
        }
        float[] px = new float[3 * 20 * 24];
        for (int i = 0; i < px.length; i++) px[i] = (float) (0.5 + 0.5 * Math.sin(i * 0.07));
        png = dir.resolve("in.png");
        Images.writePng(Image.ofFloats(24, 20, 3, px), png);
        ImageBindConfig tiny = new ImageBindConfig(TinyDiffusionPipelines.EMBED,
                new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2),
                new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2),
                2, new int[] {2, 14, 14}, 16, 10, 128, 204, 16, 16, 8, 3514, 77);
        imagebind = dir.resolve("tiny-imagebind.safetensors");
        Safetensors.save(imagebind, RandomImageBind.weights(tiny, EnumSet.of(Modality.VISION, Modality.AUDIO), 7, DType.F16),
                Map.of(ImageBind.CONFIG_METADATA, tiny.toJson()));
        float[] s = new float[16000];
        for (int i = 0; i < s.length; i++) s[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 16000.0));
        wav = dir.resolve("tone.wav");
        Wav.write(Audio.of(16000, s), wav);
    }

    static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    static Map<String, String> text(Path png) throws Exception { return PngChunks.readText(Files.readAllBytes(png), png.toString()); }

    @Test void imageVariationWritesAPngWithItsSettings() throws Exception {
        Path out = dir.resolve("variation.png");
        String[] r = run("image", "-m", unclip.toString(), "-p", "a cat", "--image", png.toString(), "--steps", "2", "--seed", "3",
                "--noise-level", "10", "--threads", "2", "-o", out.toString());
        assertEquals("0", r[0], r[2]);
        Image img = Images.read(out);
        assertEquals(16, img.width());
        assertEquals(16, img.height());
        Map<String, String> t = text(out);
        assertEquals("a cat", t.get("prompt"));
        assertEquals("3", t.get("seed"));
        assertEquals("2", t.get("steps"));
        assertEquals("10.0", t.get("guidance_scale"));
        assertEquals("10", t.get("noise_level"));
        assertTrue(t.get("scheduler").startsWith("DDIMScheduler"), t.toString());
        assertTrue(r[2].contains("seed 3"), r[2]);
    }

    /** Same seed → the same image (to one 8-bit level: the CPU kernels' last-ulp differences between JIT states can flip a rounding). */
    @Test void sameSeedSameImage() throws Exception {
        Path a = dir.resolve("a.png"), b = dir.resolve("b.png"), c = dir.resolve("c.png");
        String[] common = {"image", "-m", unclip.toString(), "-p", "snow", "--steps", "2", "-q", "--scheduler", "euler_a", "--width", "16", "--height", "24"};
        assertEquals("0", run(concat(common, "--seed", "11", "-o", a.toString()))[0]);
        assertEquals("0", run(concat(common, "--seed", "11", "-o", b.toString()))[0]);
        assertEquals("0", run(concat(common, "--seed", "12", "-o", c.toString()))[0]);
        byte[] ab = Images.read(a).bytes(), bb = Images.read(b).bytes(), cb = Images.read(c).bytes();
        long other = 0;
        for (int i = 0; i < ab.length; i++) {
            assertTrue(Math.abs((ab[i] & 0xFF) - (bb[i] & 0xFF)) <= 1, "same seed, pixel value " + i + " differs by more than one level");
            other += Math.abs((ab[i] & 0xFF) - (cb[i] & 0xFF));
        }
        assertTrue(other > ab.length, "another seed changes the image");
        assertEquals("EulerAncestralDiscreteScheduler", text(a).get("scheduler"));
        assertEquals(24, Images.read(a).height());
    }

    @Test void embeddingFilesMixAndAudioGoThroughImageBind() throws Exception {
        Path npy = dir.resolve("e.npy"), st = dir.resolve("e.safetensors");
        float[] v = new float[TinyDiffusionPipelines.EMBED];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.cos(i);
        Npy.write(npy, v, 1, v.length);
        Safetensors.save(st, Map.of("embedding", Tensor.fromFloats(v, v.length)));
        String[] r = run("image", "-m", unclip.toString(), "--embedding", npy + ":0.7", "--embedding", st + ":0.3", "--audio", wav.toString(),
                "--audio-weight", "0.5", "--imagebind", imagebind.toString(), "--steps", "2", "--seed", "1", "--num-images", "2", "-q", "-o", dir.resolve("mix.png").toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.isRegularFile(dir.resolve("mix-1.png")) && Files.isRegularFile(dir.resolve("mix-2.png")));
        assertEquals("1", text(dir.resolve("mix-2.png")).get("index"));

        Npy.write(npy, new float[5], 5);
        r = run("image", "-m", unclip.toString(), "--embedding", npy.toString(), "--steps", "1", "-q", "-o", dir.resolve("bad.png").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("e.npy") && r[2].contains(TinyDiffusionPipelines.EMBED + "-d"), r[2]);
        assertFalse(Files.exists(dir.resolve("bad.png")));
        r = run("image", "-m", unclip.toString(), "--audio", wav.toString(), "--steps", "1", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--imagebind"), r[2]);
    }

    @Test void editFollowsTheInstructionWithBothGuidanceScales() throws Exception {
        Path out = dir.resolve("edited.png");
        String[] r = run("edit", "-m", pix2pix.toString(), "-i", png.toString(), "-p", "make it snow", "--image-guidance", "1.5", "--steps", "2",
                "--seed", "5", "-q", "-o", out.toString());
        assertEquals("0", r[0], r[2]);
        Image img = Images.read(out);
        assertEquals(24, img.width(), "the input's size, a multiple of 8");
        assertEquals(16, img.height(), "20 rounded down to a multiple of 8");
        Map<String, String> t = text(out);
        assertEquals("make it snow", t.get("prompt"));
        assertEquals("1.5", t.get("image_guidance_scale"));
        assertEquals("instruct_pix2pix", t.get("codi4j:pipeline"));
    }

    @Test void wrongModelsAndSizesAreExplained() {
        String[] r = run("edit", "-m", unclip.toString(), "-i", png.toString(), "-p", "x", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("not an InstructPix2Pix model"), r[2]);
        r = run("image", "-m", pix2pix.toString(), "-p", "x", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("codi4j edit"), r[2]);
        r = run("image", "-m", unclip.toString(), "-p", "x", "--width", "20", "--height", "16", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("width must be a positive multiple of 8") && r[2].contains("use 16 or 24"), r[2]);
        r = run("image", "-m", dir.resolve("nothing-here").toString(), "-p", "x", "-q");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("nothing-here"), r[2]);
    }

    @Test void helpListsTheSharedOptions() {
        for (String cmd : new String[] {"image", "edit"}) {
            String[] r = run(cmd, "--help");
            assertEquals("0", r[0]);
            for (String opt : new String[] {"--device", "--threads", "--seed", "--steps", "--guidance", "--scheduler", "--out"}) assertTrue(r[1].contains(opt), cmd + " --help lacks " + opt);
        }
        assertTrue(run("image", "--help")[1].contains("--imagebind"));
        assertTrue(run("edit", "--help")[1].contains("--image-guidance"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
