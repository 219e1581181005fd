package dev.codi4j.models.codi2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.models.codi2.components.UnClipImageDecoder;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.ImageRequest;
import dev.codi4j.models.diffusion.pipelines.DiffusionPipeline;
import dev.codi4j.models.diffusion.pipelines.GenerationRequest;
import dev.codi4j.models.diffusion.pipelines.TextEncoder;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * The SD2.1-unCLIP adapter on the diffusion tests' tiny random unCLIP folder (12-d embeddings,
 * cross-attention width 8): a CoDi-2 request gives exactly the pixels the diffusion pipeline gives
 * for CoDi-2's recipe written by hand (the same prompt embedding for both guidance branches, the
 * embedding noise-augmented at the request's level, DDIM), seeds matter, progress and cancellation
 * reach the pipeline, and an edit starts from the input image (img2img).
 */
class UnClipImageDecoderTest {
    /** A stand-in text encoder: a fixed (1, 77, 8) embedding per distinct prompt. */
    static final class FixedText implements TextEncoder {
        final List<String> seen = new ArrayList<>();

        @Override public Tensor encode(Backend b, List<String> prompts) {
            seen.addAll(prompts);
            float[] v = new float[77 * 8];
            int h = prompts.getFirst().hashCode();
            for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(h * 0.001 + i * 0.37);
            return b.toDevice(Tensor.fromFloats(v, 1, 77, 8));
        }

        @Override public int hiddenSize() { return 8; }
    }

    static Path folder() throws Exception { return Path.of(UnClipImageDecoderTest.class.getResource("/fixtures/diffusion/pipelines/unclip/model_index.json").toURI()).getParent(); }

    @Test
    void codi2RequestIsTheUnclipRecipe() throws Exception {
        float[] e = new float[12];
        for (int i = 0; i < e.length; i++) e[i] = (float) Math.cos(i * 0.9) * 3;
        ImageRequest req = new ImageRequest(e, ImageRequest.CODI2_CROSS_ATTENTION_PROMPT, 500, 3, 7.5f, 0f, 32, 24, 5, null, 1.5f, 0.75f);
        FixedText text = new FixedText();
        try (Backend b = Backends.create("cpu"); UnClipImageDecoder dec = UnClipImageDecoder.load(folder(), b, text, null);
             DiffusionPipeline ref = DiffusionPipeline.load(b, ModelFolder.of(folder()), DiffusionPipeline.Options.defaults())) {
            assertEquals(12, dec.embeddingDim());
            List<Integer> steps = new ArrayList<>();
            Image got = dec.generate(req, (s, t) -> steps.add(s * 100 + t), () -> false);
            assertEquals(List.of(103, 203, 303), steps);
            assertEquals(List.of(ImageRequest.CODI2_CROSS_ATTENTION_PROMPT), text.seen, "the cross-attention text is encoded once and reused");
            Tensor ctx = new FixedText().encode(b, List.of(ImageRequest.CODI2_CROSS_ATTENTION_PROMPT));
            GenerationRequest manual = GenerationRequest.builder().promptEmbeds(ctx).negativePromptEmbeds(ctx).imageEmbedding(e).noiseLevel(500)
                    .steps(3).guidanceScale(7.5f).size(32, 24).seed(5).build();
            Image want = ref.generate(manual, null).images().getFirst();
            assertEquals(32, got.width());
            assertEquals(24, got.height());
            assertArrayEquals(want.bytes(), got.bytes(), "same pixels as the pipeline run by hand");
            assertFalse(java.util.Arrays.equals(got.bytes(), dec.generate(req.withSeed(6), ImageDecoder.Progress.NONE, () -> false).bytes()), "the seed matters");

            Image src = ref.generate(manual.toBuilder().seed(9).build(), null).images().getFirst();
            Image edited = dec.generate(req.withEditSource(src, 1.5f), ImageDecoder.Progress.NONE, () -> false);
            Image manualEdit = ref.generate(manual.toBuilder().initImage(src).strength(0.75f).build(), null).images().getFirst();
            assertArrayEquals(manualEdit.bytes(), edited.bytes(), "an edit is img2img from the input at the edit strength");

            int[] calls = {0};
            assertThrows(CancellationException.class, () -> dec.generate(req, (s, t) -> calls[0]++, () -> calls[0] >= 1));
            assertTrue(calls[0] >= 1);
        }
    }
}
