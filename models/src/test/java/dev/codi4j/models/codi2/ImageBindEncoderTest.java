package dev.codi4j.models.codi2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Audio;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.models.codi2.components.ImageBindEncoder;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBindConfig;
import dev.codi4j.models.imagebind.Modality;
import dev.codi4j.models.imagebind.RandomImageBind;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ImageBind adapter on a tiny random checkpoint with the upstream names, checked against
 * ImageBind's own forward: row 0 of CoDi-2's full-sequence vision output, normalised, is the official
 * image embedding (head = LayerNorm → SelectElement(0) → Linear → Normalize), the other rows differ;
 * the raw text embedding normalised and scaled is the official text output; audio is unit × 20.
 * Tolerance 1e-5 (both run the same F32 ops, in another order).
 */
class ImageBindEncoderTest {
    static final ImageBindConfig TINY = new ImageBindConfig(24,
            new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2), new ImageBindConfig.Tower(16, 1, 2),
            new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2), new ImageBindConfig.Tower(8, 1, 2),
            2, new int[] {2, 14, 14}, 16, 10, 128, 204, 16, 16, 8, 3514, 77);

    @Test
    void fullSequenceHeadTextAndAudioMatchImageBindsOwnForward(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tiny-imagebind.safetensors");
        Safetensors.save(ckpt, RandomImageBind.weights(TINY, EnumSet.of(Modality.VISION, Modality.TEXT, Modality.AUDIO), 11, DType.F32),
                Map.of(ImageBind.CONFIG_METADATA, TINY.toJson()));
        Files.copy(Path.of("../loaders/src/test/resources/dev/codi4j/loaders/tokenizer/clip/bpe_first3000.txt.gz"), dir.resolve(ImageBind.BPE_FILE));
        float[] px = new float[3 * 64 * 48];
        for (int i = 0; i < px.length; i++) px[i] = (float) (0.5 + 0.5 * Math.sin(i * 0.031));
        Image img = Image.ofFloats(64, 48, 3, px).toBytes();
        float[] s = new float[24000];
        for (int i = 0; i < s.length; i++) s[i] = (float) (0.3 * Math.sin(i * 0.07) + 0.1 * Math.sin(i * 0.9));
        Audio audio = Audio.of(16000, s);
        try (Backend b = Backends.create("cpu"); ImageBindEncoder enc = ImageBindEncoder.load(ckpt, b); ImageBind ib = ImageBind.load(ckpt, ImageBind.Options.defaults(), b)) {
            assertEquals(24, enc.dim());
            assertEquals(257, enc.imageTokenCount());
            Tensor seq = enc.imageTokens(img);
            assertEquals(List.of(257, 24), List.of(seq.dim(0), seq.dim(1)));
            float[] cls = unit(seq.narrow(0, 0, 1).toFloatArray());
            float[] official = ib.embed(List.of(ImageBind.Input.image(img)))[0];
            ParityTest.assertClose(official, cls, 1e-5, "normalised CLS row vs ImageBind's image embedding");
            float[] other = unit(seq.narrow(0, 5, 1).toFloatArray());
            assertTrue(maxDiff(official, other) > 1e-2, "patch rows are not the CLS embedding");

            float[] text = enc.textEmbedding("a dog barking").toFloatArray();
            float[] raw = unit(enc.textEmbeddingRaw("a dog barking").toFloatArray());
            ParityTest.assertClose(unit(text), raw, 1e-5, "raw text embedding, normalised");
            ParityTest.assertClose(ib.encode(List.of(ImageBind.Input.text("a dog barking")), null)[0], text, 1e-5, "text as ImageBind's forward");

            float[] a = enc.audioEmbedding(audio).toFloatArray();
            ParityTest.assertClose(ib.encode(List.of(ImageBind.Input.audio(audio)), null)[0], a, 1e-5, "audio as ImageBind's forward");
            assertTrue(norm(a) <= 20 + 1e-3 && norm(a) > 1, "unit × 20 per clip, clip mean not renormalised: " + norm(a));
        }
    }

    static float[] unit(float[] v) {
        double n = norm(v);
        float[] o = new float[v.length];
        for (int i = 0; i < v.length; i++) o[i] = (float) (v[i] / n);
        return o;
    }

    static double norm(float[] v) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        return Math.sqrt(n);
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
