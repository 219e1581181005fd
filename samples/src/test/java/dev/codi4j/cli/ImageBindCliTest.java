package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.Wav;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.imagebind.RandomImageBind;
import dev.codi4j.tensor.DType;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code codi4j embed} and {@code codi4j similarity} end to end on a tiny random ImageBind checkpoint the
 * test writes (safetensors with the upstream names and its sizes in the metadata), a real-format BPE file
 * (the first 3000 merges of bpe_simple_vocab_16e6) and media written by codi4j's own encoders.
 */
class ImageBindCliTest {
    @TempDir static Path dir;
    static Path model, png, wav;

    static final ImageBindConfig TINY = new ImageBindConfig(8,
            new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2),
            new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2),
            2, new int[] {2, 14, 14}, 16, 10, 128, 204, 16, 16, 8, 3514, 77);

    @BeforeAll static void write() throws Exception {
        model = dir.resolve("tiny-imagebind.safetensors");
        Safetensors.save(model, RandomImageBind.weights(TINY, EnumSet.of(Modality.VISION, Modality.TEXT, Modality.AUDIO), 7, DType.F16),
                Map.of(ImageBind.CONFIG_METADATA, TINY.toJson()));
        try (InputStream in = ImageBindCliTest.class.getResourceAsStream("/imagebind/bpe_first3000.txt.gz")) {
            Files.write(dir.resolve(ImageBind.BPE_FILE), in.readAllBytes());
        }
        float[] px = new float[3 * 120 * 90];
        for (int i = 0; i < px.length; i++) px[i] = (float) (0.5 + 0.5 * Math.sin(i * 0.013));
        png = dir.resolve("pattern.png");
        Images.writePng(Image.ofFloats(120, 90, 3, px), png);
        float[] s = new float[22050];
        for (int i = 0; i < s.length; i++) s[i] = (float) (0.3 * Math.sin(2 * Math.PI * (200 + 0.2 * i) * i / 22050.0));
        wav = dir.resolve("chirp.wav");
        Wav.write(Audio.of(22050, s), wav);
    }

    static String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {Integer.toString(rc), out.toString(), err.toString()};
    }

    @Test void embedPrintsUnitVectorsThatMatchTheJavaApi() throws Exception {
        String[] r = run("embed", "-m", model.toString(), "--threads", "2", "-q", png.toString(), wav.toString(), "--text", "a dog barking");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\n");
        assertEquals(3, lines.length, r[1]);
        float[][] printed = new float[3][];
        for (int i = 0; i < 3; i++) {
            String[] f = lines[i].split("\t");
            assertEquals(List.of("image", "audio", "text").get(i), f[0]);
            String[] v = f[2].split(" ");
            assertEquals(8, v.length);
            printed[i] = new float[8];
            for (int j = 0; j < 8; j++) printed[i][j] = Float.parseFloat(v[j]);
            assertEquals(1.0, ImageBind.dot(printed[i], printed[i]), 1e-5, "unit norm");
        }
        try (ImageBind ib = ImageBind.load(model, ImageBind.Options.defaults().withThreads(2))) {
            float[][] api = ib.embed(List.of(ImageBind.Input.file(png), ImageBind.Input.file(wav), ImageBind.Input.text("a dog barking")));
            for (int i = 0; i < 3; i++) assertArrayEquals(api[i], printed[i], 1e-6f);
        }
    }

    /**
     * Real media through the CLI: a photograph (skimage's rocket) and a recording (sound-icons'
     * xylofon) embedded by `codi4j embed` with the tiny official-layout checkpoint equal the official
     * ImageBind code's embeddings of the same files (tools/fixtures/imagebind_media_reference.py),
     * normalised: cosine ≥ 0.99999.
     */
    @Test void embedOnRealMediaMatchesTheOfficialCode() throws Exception {
        Path fx = Path.of("../models/src/test/resources/fixtures/imagebind");
        Path out = dir.resolve("real.safetensors");
        String[] r = run("embed", "-m", fx.resolve("tiny.pth").toString(), "-q", fx.resolve("rocket.png").toString(), fx.resolve("xylofon.wav").toString(), "-o", out.toString());
        assertEquals("0", r[0], r[2]);
        try (Weights got = Weights.open(out); Weights want = Weights.open(fx.resolve("expected_media.safetensors"))) {
            float[][] rows = {got.get("embeddings").select(0, 0).toFloatArray(), got.get("embeddings").select(0, 1).toFloatArray()};
            String[] keys = {"image.rocket.embedding", "audio.xylofon.embedding"};
            for (int i = 0; i < 2; i++) {
                float[] e = want.get(keys[i], DType.F32).toFloatArray();
                double cos = ImageBind.dot(rows[i], e) / Math.sqrt(ImageBind.dot(e, e));
                assertTrue(cos >= 0.99999, keys[i] + " cosine " + cos);
            }
        }
    }

    @Test void embedWritesNpyAndSafetensors() throws Exception {
        Path npy = dir.resolve("e.npy"), st = dir.resolve("e.safetensors");
        assertEquals("0", run("embed", "-m", model.toString(), "-q", "--batch", "1", png.toString(), "--text", "a", "--text", "b", "-o", npy.toString())[0]);
        byte[] b = Files.readAllBytes(npy);
        assertEquals((byte) 0x93, b[0]);
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (3, 8)") && header.contains("'<f4'"), header);
        assertEquals(0, (10 + headerLen) % 64, "npy data is 64-byte aligned");
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, 3 * 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[] row0 = new float[8];
        for (int j = 0; j < 8; j++) row0[j] = data.getFloat();
        assertEquals(1.0, ImageBind.dot(row0, row0), 1e-5);

        assertEquals("0", run("embed", "-m", model.toString(), "-q", png.toString(), "--text", "a", "--text", "b", "-o", st.toString())[0]);
        try (Weights w = Weights.open(st)) {
            assertArrayEquals(new int[] {3, 8}, w.get("embeddings").shape());
            assertArrayEquals(row0, w.get("embeddings").select(0, 0).toFloatArray(), 1e-6f, "batch size does not change results");
            assertTrue(w.metadata().get("labels").contains("\"a\""), w.metadata().toString());
        }
    }

    @Test void similarityPrintsTheMatrixAndARanking() {
        String[] r = run("similarity", "-m", model.toString(), "--device", "cpu", "--threads", "1", "-q",
                "--image", png.toString(), "--audio", wav.toString(), "--text", "a dog barking", "--text", "a car engine", "--text", "rain");
        assertEquals("0", r[0], r[2]);
        String out = r[1];
        assertTrue(out.contains("cosine similarity:") && out.contains("zero-shot ranking"), out);
        List<String> diag = new ArrayList<>();
        for (String line : out.split("\n")) if (line.matches("\\s*\\[\\d\\].*") && line.contains("1.0000")) diag.add(line);
        assertEquals(5, diag.size(), out);  // every row has its 1.0000 on the diagonal
        double total = 0;
        int n = 0;
        for (String line : out.split("\n")) if (line.matches("\\s+\\d+\\.\\d\\d%.*")) { total += Double.parseDouble(line.strip().split("%")[0]); n++; }
        assertEquals(6, n, "3 texts ranked for each of the image and the audio");
        assertEquals(200.0, total, 0.1, "each ranking's probabilities sum to 100%");
    }

    @Test void helpListsDeviceAndThreadsAndErrorsAreOneLine() {
        for (String cmd : List.of("embed", "similarity")) {
            String[] r = run(cmd, "--help");
            assertEquals("0", r[0]);
            assertTrue(r[1].contains("--device") && r[1].contains("--threads") && r[1].contains("--model"), r[1]);
        }
        String[] r = run("embed", "-m", dir.resolve("missing.pth").toString(), "--text", "x");
        assertEquals("2", r[0]);
        assertTrue(r[2].startsWith("codi4j: --model") && r[2].contains("missing.pth"), r[2]);
        r = run("embed", "-m", model.toString(), dir.resolve("notes.txt").toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("extension"), r[2]);
    }
}
