package dev.codi4j.models.imagebind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.MediaLimits;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.imagebind.ImageBind.Input;
import dev.codi4j.models.testing.Parity;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real media end to end against the official data.py + ImageBindModel (tools/fixtures/imagebind_media_reference.py):
 * pixel tensors of a real photograph (per-channel sums and a 16×16 window; Pillow-exact resizing itself is
 * tested bit for bit in loaders' ResizeTest), the video pipeline on a pan over that photo, and the tiny
 * model's embeddings through the public {@link ImageBind} API on the fast CPU backend.
 * Tolerances: pixel windows max-abs 1e-6 (image) / 2e-5 (video, float bilinear order), sums relative
 * 1e-6; embeddings cosine ≥ 0.99999 and max-abs 1e-4 × output scale.
 */
class ImageBindMediaTest {
    static final Path DIR = Parity.resource("fixtures/imagebind");
    static Weights expected;
    static ImageBind ib;

    @BeforeAll static void open() throws Exception {
        expected = Weights.open(DIR.resolve("expected_media.safetensors"));
        ib = ImageBind.load(DIR.resolve("tiny.pth"), ImageBind.Options.defaults().withThreads(2).withBatchSize(2)); // sizes from tiny.json beside it
    }

    @AfterAll static void close() {
        expected.close();
        ib.close();
    }

    static Image rocket() { return Images.read(DIR.resolve("rocket.png"), MediaLimits.defaults(), false); }

    static Video pan() {
        Image photo = rocket();
        List<Image> frames = new ArrayList<>();
        for (int t = 0; t < 24; t++) frames.add(photo.crop(4 * t, t, 96, 64));
        return new Video(frames, 7.5);
    }

    @Test void imagePixelsMatchTorchvisionOnARealPhoto() {
        Tensor px = ib.preprocess(rocket());                                     // (3, 224, 224)
        assertArrayEquals(new int[] {3, 224, 224}, px.shape());
        Tensor stats = expected.get("image.rocket.stats");                        // (2, 3) sums
        float[] v = px.toFloatArray();
        for (int c = 0; c < 3; c++) {
            double s = 0, q = 0;
            for (int i = c * 224 * 224; i < (c + 1) * 224 * 224; i++) { s += v[i]; q += (double) v[i] * v[i]; }
            assertEquals(stats.getFloat(0, c), s, 1e-6 * 224 * 224 + 1e-6 * Math.abs(s), "channel " + c + " sum");
            assertEquals(stats.getFloat(1, c), q, 1e-6 * Math.abs(q), "channel " + c + " sum of squares");
        }
        Tensor window = px.narrow(1, 100, 16).narrow(2, 100, 16);
        Parity.assertClose("image window", expected.get("image.rocket.window", DType.F32), Tensor.fromFloats(window.toFloatArray(), 3, 16, 16), 1e-6);
    }

    @Test void videoClipsCropsAndPixelsMatchTheOfficialPipeline() {
        Tensor v = ib.preprocess(pan());                                         // (15, 3, 2, 224, 224)
        assertArrayEquals(new int[] {15, 3, 2, 224, 224}, v.shape());
        Tensor stats = expected.get("video.pan.stats");                           // (15, 2)
        float[] a = v.toFloatArray();
        int per = 3 * 2 * 224 * 224;
        for (int k = 0; k < 15; k++) {
            double s = 0, q = 0;
            for (int i = k * per; i < (k + 1) * per; i++) { s += a[i]; q += (double) a[i] * a[i]; }
            assertEquals(stats.getFloat(k, 0), s, 1e-5 * per, "view " + k + " sum");
            assertEquals(stats.getFloat(k, 1), q, 1e-5 * Math.abs(q), "view " + k + " sum of squares");
        }
        Tensor window = v.narrow(3, 100, 8).narrow(4, 100, 8);
        Parity.assertClose("video windows", expected.get("video.pan.window", DType.F32), Tensor.fromFloats(window.toFloatArray(), window.shape()), 2e-5);
    }

    @Test void officialOutputsThroughThePublicApi() throws Exception {
        List<Input> in = List.of(Input.image(rocket()), Input.audio(AudioFiles.read(DIR.resolve("xylofon.wav"))), Input.video(pan()));
        List<int[]> seen = new ArrayList<>();
        float[][] raw = ib.encode(in, (done, total) -> seen.add(new int[] {done, total}));
        Parity.assertEmbeddings("e2e image", expected.get("image.rocket.embedding", DType.F32), row(raw[0]), 0.99999, 1e-4);
        Parity.assertEmbeddings("e2e audio (3 clips)", expected.get("audio.xylofon.embedding", DType.F32), row(raw[1]), 0.99999, 20 * 1e-4);
        Parity.assertEmbeddings("e2e video (15 views)", expected.get("video.pan.embedding", DType.F32), row(raw[2]), 0.99999, 1e-4);
        assertEquals(3, seen.get(seen.size() - 1)[0]);
        float[][] unit = ib.embed(in);
        for (float[] u : unit) assertEquals(1.0, ImageBind.dot(u, u), 1e-5);
        assertTrue(ImageBind.dot(unit[0], unit[2]) > 0.5, "a still image and a pan over it should be close");
    }

    @Test void missingTokenizerFileIsExplained() {
        var e = assertThrows(IllegalStateException.class, () -> ib.embedTexts(List.of("a dog")));
        assertTrue(e.getMessage().contains(ImageBind.BPE_FILE), e.getMessage());
    }

    static Tensor row(float[] v) { return Tensor.fromFloats(v, 1, v.length); }
}
