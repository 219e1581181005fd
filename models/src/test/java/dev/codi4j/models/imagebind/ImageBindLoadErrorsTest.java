package dev.codi4j.models.imagebind;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.testing.Parity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wrong checkpoints and configs give typed errors that name the tensor or file and say what to do. */
class ImageBindLoadErrorsTest {
    static final Path IB = Parity.resource("fixtures/imagebind"), CLIP = Parity.resource("fixtures/clip");
    static final ImageBind.Options REF = ImageBind.Options.defaults().withDevice("reference");

    @Test void aCheckpointWithoutImageBindTowers() {
        var e = assertThrows(IllegalArgumentException.class, () -> ImageBind.load(CLIP.resolve("vision.safetensors"), REF));
        assertTrue(e.getMessage().contains("no ImageBind tower"), e.getMessage());
    }

    @Test void aCheckpointOfAnotherSizeNamesTheTensorAndTheFix() {
        var e = assertThrows(WeightsException.class, () -> ImageBind.load(IB.resolve("tiny.pth"), REF.withConfig(ImageBindConfig.huge())));
        assertTrue(e.getMessage().contains("modality_") && e.getMessage().contains("imagebind_huge sizes") && e.getMessage().contains(ImageBind.CONFIG_METADATA), e.getMessage());
    }

    @Test void badConfigJson(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.json"), "{\"vision_embed_dim\": \"wide\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> ImageBindConfig.fromJson(cfg));
        assertTrue(e.getMessage().contains("vision_embed_dim") && e.getMessage().contains("c.json"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> ImageBindConfig.fromJson("{\"vision_embed_dim\": 30, \"vision_num_heads\": 4}"));
        assertTrue(e2.getMessage().contains("embed_dim 30"), e2.getMessage());
    }

    @Test void configRoundTripsThroughJson() {
        ImageBindConfig h = ImageBindConfig.huge();
        assertTrue(h.equals(ImageBindConfig.fromJson(h.toJson())));
        assertTrue(h.visionTokens() == 257 && h.audioTokens() == 229, h.toString());
    }
}
