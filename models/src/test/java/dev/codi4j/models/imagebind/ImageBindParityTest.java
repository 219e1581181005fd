package dev.codi4j.models.imagebind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.testing.Parity;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.ref.ReferenceBackend;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every ImageBind tower against the OFFICIAL PyTorch ImageBindModel (tools/fixtures/imagebind_reference.py)
 * on a tiny random model saved with torch.save like imagebind_huge.pth (F16, BF16 and F32 tensors).
 * Tolerance: cosine ≥ 0.99999 per embedding, and max-abs ≤ 1e-4 × the output scale (1 for vision, the
 * logit scale otherwise); sequences max-abs ≤ 2e-4 · max|x|.
 */
class ImageBindParityTest {
    static final Path DIR = Parity.resource("fixtures/imagebind");
    static final Backend B = new ReferenceBackend();
    static Weights weights, expected;
    static ImageBindModel model;

    @BeforeAll static void load() throws Exception {
        weights = Weights.open(DIR.resolve("tiny.pth"));
        expected = Weights.open(DIR.resolve("expected.safetensors"));
        model = ImageBindModel.load(B, weights, ImageBindConfig.fromJson(DIR.resolve("tiny.json")), null);
    }

    @AfterAll static void close() {
        weights.close();
        expected.close();
    }

    private static Tensor exp(String name) { return expected.get(name, DType.F32); }

    @Test void everyTensorOfTheCheckpointIsUsedExceptTheCausalMaskBuffer() {
        assertEquals(Set.of("modality_preprocessors.text.mask"), weights.unused());
        assertEquals(Set.of(Modality.values()), model.modalities());
    }

    @Test void vision() {
        Tensor x = TestInputs.wave(1, 2, 3, 224, 224);
        Parity.assertEmbeddings("vision", exp("vision.embeddings"), model.encode(B, Modality.VISION, x), 0.99999, 1e-4);
        Parity.assertClose("vision tokens", exp("vision.tokens"), model.tokens(B, Modality.VISION, x), 2e-4);
    }

    @Test void videoClipsAreAveraged() {
        Tensor x = TestInputs.wave(2, 1, 2, 3, 2, 224, 224);
        Parity.assertEmbeddings("video", exp("video.embeddings"), model.encode(B, Modality.VISION, x), 0.99999, 1e-4);
    }

    @Test void audio() {
        Tensor x = TestInputs.wave(3, 2, 3, 1, 128, 204);
        Parity.assertEmbeddings("audio (3 clips)", exp("audio.embeddings"), model.encode(B, Modality.AUDIO, x), 0.99999, 20 * 1e-4);
        Tensor clip0 = x.select(1, 0);
        Parity.assertEmbeddings("audio clip 0", exp("audio_clip0.embeddings"), model.encode(B, Modality.AUDIO, clip0), 0.99999, 20 * 1e-4);
        Parity.assertClose("audio tokens", exp("audio.tokens"), model.tokens(B, Modality.AUDIO, clip0.narrow(0, 0, 1)), 2e-4);
    }

    @Test void text() {
        Tensor ids = expected.get("text.ids");
        Parity.assertEmbeddings("text", exp("text.embeddings"), model.encode(B, Modality.TEXT, ids), 0.99999, 18.5 * 1e-4);
        Parity.assertClose("text tokens", exp("text.tokens"), model.tokens(B, Modality.TEXT, ids), 2e-4);
    }

    @Test void depthThermalImu() {
        Parity.assertEmbeddings("depth", exp("depth.embeddings"), model.encode(B, Modality.DEPTH, TestInputs.wave(4, 2, 1, 224, 224)), 0.99999, 5 * 1e-4);
        Parity.assertEmbeddings("thermal", exp("thermal.embeddings"), model.encode(B, Modality.THERMAL, TestInputs.wave(5, 2, 1, 224, 224)), 0.99999, 10 * 1e-4);
        Parity.assertEmbeddings("imu", exp("imu.embeddings"), model.encode(B, Modality.IMU, TestInputs.wave(6, 2, 6, 2000)), 0.99999, 5 * 1e-4);
    }

    @Test void weightsConvertedToBf16AtLoadStayClose() throws Exception {
        // the projection weights (F16 in the file) are rounded to BF16 at load: 8 mantissa bits instead of 11
        ImageBindModel bf = ImageBindModel.load(B, weights, ImageBindConfig.fromJson(DIR.resolve("tiny.json")), DType.BF16);
        Parity.assertEmbeddings("vision bf16 weights", exp("vision.embeddings"), bf.encode(B, Modality.VISION, TestInputs.wave(1, 2, 3, 224, 224)), 0.999, 0.01);
        Parity.assertEmbeddings("text bf16 weights", exp("text.embeddings"), bf.encode(B, Modality.TEXT, expected.get("text.ids")), 0.999, 18.5 * 0.01);
    }

    @Test void wrongInputShapesAreExplained() {
        var e = assertThrows(IllegalArgumentException.class, () -> model.encode(B, Modality.VISION, Tensor.zeros(DType.F32, 1, 3, 112, 112)));
        assertTrue(e.getMessage().contains("position"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> model.encode(B, Modality.TEXT, Tensor.zeros(DType.I32, 1, 10)));
        assertTrue(e.getMessage().contains("77"), e.getMessage());
    }
}
