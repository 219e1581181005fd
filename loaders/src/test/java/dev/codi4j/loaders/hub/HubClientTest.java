package dev.codi4j.loaders.hub;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {
    @TempDir Path cacheDir;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test void downloadsIntoTheHfCacheLayoutAndResumes() throws Exception {
        byte[] weights = random(300_000, 1), unet = random(5000, 2), cfg = "{\"hidden_size\": 8}".getBytes(StandardCharsets.UTF_8);
        try (FakeHub hub = new FakeHub()) {
            hub.add("org/tiny", "config.json", cfg, false);
            hub.add("org/tiny", "model.safetensors", weights, true);
            hub.add("org/tiny", "unet/diffusion_pytorch_model.safetensors", unet, true);
            hub.add("org/tiny", "README.md", "hi".getBytes(), false);
            HfCache cache = new HfCache(cacheDir);
            HubClient client = new HubClient(hub.endpoint(), "secret", cache);

            hub.dropAfter = 100_000; // the first large transfer breaks off
            HubException broken = assertThrows(HubException.class, () -> client.download("org/tiny", "main", List.of("*.safetensors", "*.json"), null));
            assertTrue(broken.getMessage().contains("run the same command again to resume"), broken.getMessage() + " " + hub.requests());
            Path blobs = cache.repoFolder("org/tiny").resolve("blobs");
            Path partial = blobs.resolve(FakeHub.sha256(weights) + ".incomplete");
            assertEquals(100_000, Files.size(partial));

            AtomicLong advanced = new AtomicLong();
            HubClient.Snapshot s = client.download("org/tiny", "main", List.of("*.safetensors", "*.json"), new HubClient.Progress() {
                @Override public void advance(String file, long bytes) { advanced.addAndGet(bytes); }
            });
            assertTrue(hub.requests().stream().anyMatch(r -> r.contains("Range:bytes=100000-")), "resumed with a Range request: " + hub.requests());
            assertEquals(List.of("config.json", "model.safetensors", "unet/diffusion_pytorch_model.safetensors"), s.files());
            assertEquals(FakeHub.COMMIT, s.commit());
            Path snap = cacheDir.resolve("models--org--tiny/snapshots/" + FakeHub.COMMIT);
            assertEquals(snap, s.folder());
            assertArrayEquals(weights, Files.readAllBytes(snap.resolve("model.safetensors")));
            assertArrayEquals(unet, Files.readAllBytes(snap.resolve("unet/diffusion_pytorch_model.safetensors")));
            assertArrayEquals(cfg, Files.readAllBytes(snap.resolve("config.json")));
            assertTrue(Files.isSymbolicLink(snap.resolve("model.safetensors")));
            assertEquals(Path.of("../../blobs/" + FakeHub.sha256(weights)), Files.readSymbolicLink(snap.resolve("model.safetensors")));
            assertTrue(Files.isRegularFile(blobs.resolve(FakeHub.gitSha1(cfg))), "non-LFS files are stored under their git blob sha1");
            assertEquals(FakeHub.COMMIT, Files.readString(cacheDir.resolve("models--org--tiny/refs/main")));
            assertFalse(Files.exists(snap.resolve("README.md")), "not included");
            assertFalse(Files.exists(partial));
            assertEquals(200_000 + unet.length, advanced.get(), "only the missing bytes were fetched (config.json came complete in the first run)");
            assertTrue(hub.requests().stream().filter(r -> r.startsWith("GET /storage")).noneMatch(r -> r.endsWith("auth")), "token never sent to storage");

            // the cache now serves the model without the network
            assertEquals(snap, ModelFolder.open("org/tiny", "main", cache).path());
            int before = hub.requests().size();
            client.download("org/tiny", "main", List.of("model.safetensors"), null);
            assertTrue(hub.requests().subList(before, hub.requests().size()).stream().noneMatch(r -> r.startsWith("GET /storage")), "cached blobs are not fetched again");
        }
    }

    @Test void shaMismatchLeavesNothingInTheSnapshot() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.addCorrupt("org/bad", "model.safetensors", random(1000, 3));
            HfCache cache = new HfCache(cacheDir);
            HubException e = assertThrows(HubException.class, () -> new HubClient(hub.endpoint(), null, cache).download("org/bad", null, List.of(), null));
            assertTrue(e.getMessage().contains("org/bad/model.safetensors is corrupt") && e.getMessage().contains("sha256"), e.getMessage());
            Path repo = cache.repoFolder("org/bad");
            assertFalse(Files.exists(repo.resolve("snapshots/" + FakeHub.COMMIT + "/model.safetensors")));
            try (var s = Files.list(repo.resolve("blobs"))) { assertEquals(0, s.count(), "no blob, no partial file"); }
            assertFalse(Files.exists(repo.resolve("refs/main")));
        }
    }

    @Test void gatedRepositories() throws Exception {
        try (FakeHub hub = new FakeHub()) {
            hub.add("meta-llama/Llama-2-7b-chat-hf", "config.json", "{}".getBytes(), false);
            hub.gated.put("meta-llama/Llama-2-7b-chat-hf", "hf_good");
            HfCache cache = new HfCache(cacheDir);
            HubException none = assertThrows(HubException.class, () -> new HubClient(hub.endpoint(), null, cache).download("meta-llama/Llama-2-7b-chat-hf", "main", List.of(), null));
            assertEquals(401, none.status());
            assertTrue(none.getMessage().contains("gated or private") && none.getMessage().contains("HF_TOKEN"), none.getMessage());
            HubException wrong = assertThrows(HubException.class, () -> new HubClient(hub.endpoint(), "hf_bad", cache).download("meta-llama/Llama-2-7b-chat-hf", "main", List.of(), null));
            assertTrue(wrong.getMessage().contains("not allowed"), wrong.getMessage());
            HubClient.Snapshot ok = new HubClient(hub.endpoint(), "hf_good", cache).download("meta-llama/Llama-2-7b-chat-hf", "main", List.of(), null);
            assertEquals("{}", Files.readString(ok.folder().resolve("config.json")));
            HubException missing = assertThrows(HubException.class, () -> new HubClient(hub.endpoint(), null, cache).download("org/none", "main", List.of(), null));
            assertEquals(404, missing.status());
        }
    }

    @Test void fnmatchLikePython() {
        assertTrue(HubClient.fnmatch("*.json", "unet/config.json"), "'*' crosses '/' in fnmatch");
        assertTrue(HubClient.fnmatch("unet/*", "unet/diffusion_pytorch_model.safetensors"));
        assertTrue(HubClient.fnmatch("unet/", "unet/config.json"));
        assertFalse(HubClient.fnmatch("*.bin", "model.safetensors"));
        assertTrue(HubClient.fnmatch("model-0000[1-2]-of-*.safetensors", "model-00002-of-00002.safetensors"));
        assertTrue(HubClient.fnmatch("config.js?n", "config.json"));
        assertFalse(HubClient.fnmatch("a.b", "aXb"), "'.' is literal");
    }

    @Test void unsafeNamesAreRefused() {
        for (String bad : List.of("../x", "/etc/passwd", "a/../../b", "a//b", "a\\b", "./a"))
            assertThrows(HubException.class, () -> HubClient.checkFileName(bad, "org/x"), bad);
    }
}
