package dev.codi4j.loaders.hub;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.safetensors.Safetensors;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
    @TempDir Path dir;

    @Test void cacheRootFollowsHuggingfaceHub() {
        Path home = Path.of("/home/u");
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HfCache.defaultRoot(Map.of(), home));
        assertEquals(Path.of("/x/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "/x"), home));
        assertEquals(Path.of("/c"), HfCache.defaultRoot(Map.of("HF_HOME", "/x", "HF_HUB_CACHE", "/c"), home));
        assertEquals(Path.of("/old"), HfCache.defaultRoot(Map.of("HUGGINGFACE_HUB_CACHE", "/old"), home));
        assertEquals(Path.of("/xdg/huggingface/hub"), HfCache.defaultRoot(Map.of("XDG_CACHE_HOME", "/xdg"), home));
        assertEquals(Path.of("/home/u/hf/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "~/hf"), home));
        assertThrows(IllegalArgumentException.class, () -> new HfCache(dir).repoFolder("../etc"));
    }

    @Test void prefersSafetensorsAndFindsPipelineComponents() throws Exception {
        Path unet = Files.createDirectories(dir.resolve("unet"));
        Safetensors.save(unet.resolve("diffusion_pytorch_model.safetensors"), Map.of("w", Tensor.scalar(1f)));
        Files.writeString(unet.resolve("diffusion_pytorch_model.bin"), "not used");
        Safetensors.save(unet.resolve("diffusion_pytorch_model.fp16.safetensors"), Map.of("w", Tensor.scalar(2f)));
        Files.writeString(unet.resolve("config.json"), "{\"_class_name\":\"UNet2DConditionModel\"}");
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\":\"StableUnCLIPImg2ImgPipeline\",\"unet\":[\"diffusers\",\"UNet2DConditionModel\"],\"vae\":[\"diffusers\",\"AutoencoderKL\"]}");
        ModelFolder m = ModelFolder.of(dir);
        assertTrue(m.isPipeline());
        ModelFolder u = m.component("unet");
        assertEquals("diffusion_pytorch_model.safetensors", u.weightsFile().getFileName().toString());
        assertEquals("diffusion_pytorch_model.fp16.safetensors", u.weightsFile("fp16").getFileName().toString());
        try (Weights w = u.weights("fp16")) { assertEquals(2f, w.get("w").item()); }
        assertEquals("UNet2DConditionModel", u.config().className());
        NoSuchFileException vae = assertThrows(NoSuchFileException.class, () -> m.component("vae"));
        assertTrue(vae.getMessage().contains("download is incomplete"), vae.getMessage());

        Path plain = Files.createDirectories(dir.resolve("plain"));
        Files.writeString(plain.resolve("a.safetensors"), "x");
        Files.writeString(plain.resolve("b.safetensors"), "x");
        assertThrows(FormatException.class, () -> ModelFolder.of(plain).weightsFile());
        Path idx = Files.createDirectories(dir.resolve("sharded"));
        Files.writeString(idx.resolve("model.safetensors.index.json"), "{}");
        Files.writeString(idx.resolve("pytorch_model.bin"), "x");
        assertEquals("model.safetensors.index.json", ModelFolder.of(idx).weightsFile().getFileName().toString());
        Files.writeString(idx.resolve("model.safetensors.index.fp16.json"), "{}");
        assertEquals("model.safetensors.index.fp16.json", ModelFolder.of(idx).weightsFile("fp16").getFileName().toString());
    }

    @Test void findsModelsDownloadedByPythonInTheCache() throws Exception {
        // the layout huggingface_hub leaves behind: refs/main, blobs/<etag>, snapshots/<commit>/ → symlinks
        String commit = "a".repeat(40);
        Path repo = dir.resolve("models--openai--clip-vit-large-patch14");
        Path blob = Files.createDirectories(repo.resolve("blobs")).resolve("b".repeat(64));
        Safetensors.save(blob, Map.of("text_model.embeddings.position_ids", Tensor.fromInts(new int[] {0, 1}, 1, 2)));
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(commit));
        Files.createSymbolicLink(snap.resolve("model.safetensors"), Path.of("../../blobs/" + "b".repeat(64)));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);
        HfCache cache = new HfCache(dir);
        ModelFolder m = ModelFolder.open("openai/clip-vit-large-patch14", null, cache);
        try (Weights w = m.weights()) { assertArrayEquals(new int[] {0, 1}, w.get("text_model.embeddings.position_ids", 1, 2).toIntArray()); }
        assertEquals(snap, ModelFolder.open("openai/clip-vit-large-patch14", commit, cache).path());
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ModelFolder.open("openai/other", null, cache));
        assertTrue(e.getMessage().contains("codi4j download openai/other"), e.getMessage());
    }
}
