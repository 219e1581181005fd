package dev.codi4j.models.codi2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: each a typed error whose message names the file or field and the fix; nothing half-done. */
class BadInputTest {
    @TempDir static Path root;
    static Path dir;

    @BeforeAll static void demo() throws Exception { dir = DemoModel.ensure(root, s -> {}); }

    private static String demoJson() throws Exception { return Files.readString(dir.resolve("codi2.json")); }

    private static Path writeConfig(Path where, String json) throws Exception {
        Path p = where.resolve("codi2.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void missingMediaFiles(@TempDir Path tmp) {
        MediaInputException e = assertThrows(MediaInputException.class, () -> Media.read(tmp.resolve("nope.png")));
        assertTrue(e.getMessage().contains("nope.png") && e.getMessage().contains("not found"), e.getMessage());
        assertThrows(MediaInputException.class, () -> Media.Audio.read(tmp.resolve("nope.wav")));
        assertTrue(assertThrows(MediaInputException.class, () -> Media.read(tmp)).getMessage().contains("folder"));
    }

    @Test
    void unsupportedOrCorruptMedia(@TempDir Path tmp) throws Exception {
        Path txt = Files.writeString(tmp.resolve("notes.txt"), "hello");
        UnsupportedMediaException e = assertThrows(UnsupportedMediaException.class, () -> Media.read(txt));
        assertTrue(e.getMessage().contains(".txt") && e.getMessage().contains(".png"), e.getMessage());
        Path fake = Files.write(tmp.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        assertTrue(assertThrows(UnsupportedMediaException.class, () -> Media.read(fake)).getMessage().contains("broken.png"));
        Path fakeWav = Files.write(tmp.resolve("broken.wav"), new byte[] {'R', 'I', 'F', 'F', 0, 0});
        assertThrows(UnsupportedMediaException.class, () -> Media.read(fakeWav));
    }

    @Test
    void mediaWithoutAnEncoder(@TempDir Path tmp) throws Exception {
        String json = "{\"llm\": \"" + dir.resolve("llm") + "\"}";
        try (CoDi2 m = CoDi2.load(writeConfig(tmp, json)); Conversation c = m.newConversation()) {
            assertEquals(CoDi2.Mode.IMAGEBIND_DIRECT, m.mode());
            // direct mode, LLM only: the medium is reported, the text still gets an answer
            Reply r = c.send(Prompt.of("hello ", Media.read(dir.resolve("inputs/photo.png"))));
            assertTrue(r.notices().stream().anyMatch(n -> n.contains("no image was painted")), r.notices().toString());
            assertTrue(assertThrows(IllegalStateException.class, m::direct).getMessage().contains("imagebind"));
        }
    }

    @Test
    void configNamingMissingComponents(@TempDir Path tmp) throws Exception {
        String base = demoJson().replace("\"llm\": \"llm\"", "\"llm\": \"" + dir.resolve("llm") + "\"")
                .replace("\"codi2/", "\"" + dir + "/codi2/").replace("\"imagebind/", "\"" + dir + "/imagebind/")
                .replace("\"image_decoder\": \"unclip\"", "\"image_decoder\": \"" + dir.resolve("unclip") + "\"");
        // sanity: the rewritten config loads
        try (CoDi2 m = CoDi2.load(writeConfig(tmp, base))) { assertEquals(CoDi2.Mode.CODI2, m.mode()); }
        String[][] cases = {
                {"\"llm\": \"" + dir.resolve("llm") + "\"", "\"llm\": \"" + tmp.resolve("no-llm") + "\"", "\"llm\": not found"},
                {"\"llm\": \"" + dir.resolve("llm") + "\"", "\"llm\": \"nobody/no-such-model\"", "codi4j download nobody/no-such-model"},
                {dir + "/codi2/codi2_weights.safetensors", tmp + "/gone.pt", "codi2_weights\": file not found"},
                {"\"" + dir + "/imagebind/imagebind_tiny.safetensors\"", "\"" + tmp.resolve("no-imagebind.pth") + "\"", "\"imagebind\": not found"},
                {"\"image_decoder\": \"" + dir.resolve("unclip") + "\"", "\"image_decoder\": \"" + tmp.resolve("no-decoder") + "\"", "\"image_decoder\": not found"},
                {"\"image_decoder\": \"" + dir.resolve("unclip") + "\"", "\"image_decoder\": \"" + dir.resolve("llm") + "\"", "could not be loaded as SD2.1-unCLIP"},
                {"\"image_decoder\": \"" + dir.resolve("unclip") + "\"", "\"image_decoder\": {\"kind\": \"dalle\", \"path\": \"" + dir.resolve("unclip") + "\"}", "unknown kind 'dalle'"},
                {"\"" + dir + "/imagebind/imagebind_tiny.safetensors\"", "\"" + dir + "/codi2/codi2_weights.safetensors\"", "ImageBind"},
        };
        for (String[] c : cases) {
            assertTrue(base.contains(c[0]), "test setup: " + c[0]);
            Path cfg = writeConfig(tmp, base.replace(c[0], c[1]));
            Exception e = assertThrows(Exception.class, () -> CoDi2.load(cfg).close(), c[1]);
            assertTrue(e instanceof ConfigException, c[1] + " gave " + e);
            assertTrue(e.getMessage().contains(c[2]), c[1] + ": " + e.getMessage());
        }
    }

    @Test
    void malformedConfigs(@TempDir Path tmp) throws Exception {
        assertThrows(NoSuchFileException.class, () -> CoDi2Config.read(tmp.resolve("missing.json")));
        String[][] cases = {
                {"{\"llm\": ", "not valid JSON"},
                {"{}", "names no component"},
                {"{\"llm\": \"a/b\", \"llm_dtpye\": \"f16\"}", "unknown field \"llm_dtpye\""},
                {"{\"llm\": \"a/b\", \"llm_dtype\": \"f13\"}", "llm_dtype"},
                {"{\"llm\": \"a/b\", \"generation\": {\"top_p\": 1.5}}", "top-p"},
                {"{\"llm\": \"a/b\", \"image\": {\"width\": 100}}", "multiple of 8"},
                {"{\"llm\": \"a/b\", \"image\": {\"edit\": \"sometimes\"}}", "edit mode"},
                {"{\"llm\": \"a/b\", \"output_markers\": {\"smell\": \"<s>\"}}", "smell"},
                {"{\"llm\": \"a/b\", \"context_length\": 4}", "context_length"},
                {"{\"llm\": \"a/b\", \"lora_mode\": \"sideways\"}", "lora_mode"},
        };
        for (String[] c : cases) {
            ConfigException e = assertThrows(ConfigException.class, () -> CoDi2Config.read(writeConfig(tmp, c[0])), c[0]);
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("codi2.json"), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void weightsForAnotherModel(@TempDir Path tmp) throws Exception {
        String json = demoJson().replace("\"llm\": \"llm\"", "\"llm\": \"" + dir.resolve("llm") + "\"")
                .replace("\"imagebind/", "\"" + dir + "/imagebind/").replace("\"image_decoder\": \"unclip\"", "\"image_decoder\": \"" + dir.resolve("unclip") + "\"");
        // the parity fixture's CoDi-2 weights (hidden 32) against the demo LLM (hidden 64)
        Path other = Path.of(BadInputTest.class.getResource("/fixtures/codi2/codi2_delta.pt").toURI());
        Path cfg = writeConfig(tmp, json.replace("\"codi2/codi2_weights.safetensors\"", "\"" + other + "\""));
        WeightsException e = assertThrows(WeightsException.class, () -> CoDi2.load(cfg).close());
        assertTrue(e.getMessage().contains("codi_llama_proj.0.weight") && e.getMessage().contains("another LLM"), e.getMessage());
        // a safetensors file that is no CoDi-2 checkpoint at all
        Path notCodi = Path.of(BadInputTest.class.getResource("/fixtures/codi2/expected.safetensors").toURI());
        Path cfg2 = writeConfig(tmp, json.replace("\"codi2/codi2_weights.safetensors\"", "\"" + notCodi + "\""));
        assertTrue(assertThrows(WeightsException.class, () -> CoDi2.load(cfg2).close()).getMessage().contains("not a CoDi-2 training checkpoint"));
    }
}
