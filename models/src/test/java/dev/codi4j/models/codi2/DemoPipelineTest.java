package dev.codi4j.models.codi2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.media.Images;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end turns on the tiny demo model (random weights in the real layouts, read by the real
 * loaders). With random weights these test the MECHANICS — what is spliced where and in which
 * order, which output goes where, what is edited, what is kept across turns, what files come out —
 * not the quality of anything. The demo LLM's head has a planted sentence with the image marker
 * ("Here it is &lt;p&gt; enjoy"), so every turn reaches the image path.
 */
class DemoPipelineTest {
    @TempDir static Path root;
    static Path dir;
    static CoDi2 model;
    static Media.Image photo;
    static Media.Audio bird;

    @BeforeAll static void load() throws Exception {
        dir = DemoModel.ensure(root, s -> {});
        model = CoDi2.load(small(CoDi2Config.read(dir.resolve("codi2.json"))), CoDi2.Options.defaults());
        photo = Media.Image.read(dir.resolve("inputs/photo.png"));
        bird = Media.Audio.read(dir.resolve("inputs/birdsong.wav"));
    }

    @AfterAll static void close() { model.close(); }

    /** Tiny pictures, two diffusion steps: the tests look at mechanics, not pixels. */
    static CoDi2Config small(CoDi2Config c) { return c.withImage(c.image().withSteps(2).withSize(32, 32)); }

    static int imageRows() { return 257; } // the demo's tiny ImageBind: CLS + 16×16 patches, as the real one

    @Test
    void theDemoModelIsWrittenOnceAndReused() throws Exception {
        long stamp = Files.getLastModifiedTime(dir.resolve("llm/model.safetensors")).toMillis();
        assertEquals(dir, DemoModel.ensure(root, s -> { throw new AssertionError("rewrote the demo model: " + s); }));
        assertEquals(stamp, Files.getLastModifiedTime(dir.resolve("llm/model.safetensors")).toMillis());
        try (var s = Files.list(root)) { assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".writing-")), "no temporary folder is left"); }
        assertEquals(CoDi2.Mode.CODI2, model.mode());
    }

    @Test
    void textImageAndAudioInTextAndImageOutThenEditTheGeneratedImage(@TempDir Path out) throws Exception {
        try (Conversation c = model.newConversation()) {
            c.setImageSettings(model.config().image().withEdit(ImageSettings.EditMode.NEVER, 1.5f));
            assertEquals(2, c.imageSettings().steps());
            List<String> streamed = new ArrayList<>();
            List<ReplyListener.Stage> stages = new ArrayList<>();
            Reply r1 = c.send(Prompt.of("Here is a photo ", photo, " and a sound ", bird, ". Paint what you hear in the scene you see."), new ReplyListener() {
                @Override public void onText(String d) { streamed.add(d); }
                @Override public void onStage(Stage s, String detail) { stages.add(s); }
            });
            assertEquals(DemoModel.PLANTED_REPLY, r1.text());
            assertEquals(String.join("", streamed), r1.text(), "the streamed deltas make up the text");
            assertEquals(Reply.StopReason.STOP_TOKEN, r1.stopReason());
            assertEquals(List.of(ReplyListener.Stage.ENCODING_MEDIA, ReplyListener.Stage.ENCODING_MEDIA, ReplyListener.Stage.READING_PROMPT,
                    ReplyListener.Stage.WRITING_REPLY, ReplyListener.Stage.PAINTING_IMAGE), stages);
            assertTrue(r1.officialPrompt().startsWith("### Human: </Perception> Here is a photo #image#_0 and a sound #audio#_0 . Paint"), r1.officialPrompt());
            assertTrue(r1.officialPrompt().endsWith("\n### Assistant:"));
            assertEquals(1, r1.features().size());
            OutputFeature f = r1.features().getFirst();
            assertEquals("image", f.modality());
            int[] marker = model.outputMarkerIds().get("image");
            int[] toks = r1.tokens();
            assertArrayEquals(marker, java.util.Arrays.copyOfRange(toks, f.tokenIndex() - marker.length + 1, f.tokenIndex() + 1), "the feature sits at the marker's last token");
            assertEquals(1, r1.images().size());
            GeneratedImage g1 = r1.images().getFirst();
            assertNull(g1.editedFrom());
            assertEquals(32, g1.image().width());
            int used1 = c.contextUsed();
            assertEquals(r1.promptPositions() + r1.tokens().length, used1, "the cache holds the prompt and every fed reply token");

            // second turn: the generated image goes back in and is edited (AUTO: one image in the turn)
            c.setImageSettings(model.config().image());
            Reply r2 = c.send(Prompt.of("Now make it snowy: ", g1));
            assertTrue(r2.officialPrompt().startsWith("\n### Human: Now make it snowy: #image#_1"), "numbering continues across turns, no BOS or first-turn prefix: " + r2.officialPrompt());
            assertEquals(1, r2.images().size());
            GeneratedImage g2 = r2.images().getFirst();
            assertEquals("generated image 1", g2.editedFrom());
            assertEquals(2, g2.index());
            assertEquals(used1 + r2.promptPositions() + r2.tokens().length, c.contextUsed(), "turn 2 only appends to the KV cache");
            assertEquals(2, c.turns().size());
            assertEquals(List.of(g1, g2), c.generatedImages());
            assertNotEquals(g1.seed(), g2.seed());

            // the files: PNG with prompt and seed metadata, written atomically
            Path p = g2.save(out);
            assertEquals(out.resolve("image-2.png"), p);
            String png = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(png.contains("Seed") && png.contains(Long.toString(g2.seed())) && png.contains("Now make it snowy"), "PNG text chunks hold prompt and seed");
            assertEquals(32, Images.read(p).width());
        }
    }

    @Test
    void sameSeedSameReplyAndImage() {
        Reply a, b;
        try (Conversation c = model.newConversation()) { a = c.send(Prompt.of("Add snow to the picture ", photo)); }
        try (Conversation c = model.newConversation()) { b = c.send(Prompt.of("Add snow to the picture ", photo)); }
        assertArrayEquals(a.tokens(), b.tokens());
        assertArrayEquals(a.images().getFirst().image().bytes(), b.images().getFirst().image().bytes());
    }

    @Test
    void zeroShotInstructionEditsItsOneImage() {
        try (Conversation c = model.newConversation()) {
            Reply r = c.send(Prompt.of("Add snow to the picture ", photo));
            assertEquals(1, r.images().size());
            assertEquals("photo.png", r.images().getFirst().editedFrom(), "AUTO edits the turn's only image");
            assertTrue(r.images().getFirst().request().isEdit());
        }
    }

    @Test
    void exemplarLearningSplicesThreeImagesInOrderAndPaintsFreshly() {
        Media.Image a = renamed(photo, "a.png"), a2 = renamed(photo, "a2.png"), b = renamed(photo, "b.png");
        try (Conversation c = model.newConversation()) {
            Reply r = c.send(Prompt.of(a, " is to ", a2, " as ", b, " is to"));
            assertTrue(r.officialPrompt().contains("#image#_0 is to #image#_1 as #image#_2 is to"), r.officialPrompt());
            int tokens = r.promptPositions() - 3 * imageRows();
            assertTrue(tokens > 5 && tokens < 40, "the rest are text tokens: " + tokens);
            assertEquals(1, r.images().size());
            assertNull(r.images().getFirst().editedFrom(), "several images are in-context examples, not an edit target");
        }
    }

    @Test
    void conceptLearningFromSeveralExamples() {
        try (Conversation c = model.newConversation()) {
            Reply r = c.send(Prompt.of("In the style of these examples, ", renamed(photo, "ex1.png"), " ", renamed(photo, "ex2.png"), " ",
                    renamed(photo, "ex3.png"), " paint this one ", bird));
            assertTrue(r.officialPrompt().contains("#image#_0 #image#_1 #image#_2 paint this one #audio#_0"), r.officialPrompt());
            assertEquals(1, r.features().size());
            assertEquals(1, r.images().size());
        }
    }

    @Test
    void subjectDrivenFromSeveralImagesThenAnotherTurn() {
        try (Conversation c = model.newConversation()) {
            c.send(Prompt.of("This is my dog: ", renamed(photo, "dog1.png"), " ", renamed(photo, "dog2.png"), " draw the same subject in a new scene"));
            Reply r = c.send(Prompt.of("Now on the beach at night"));
            assertTrue(r.promptPositions() < 30, "a text-only turn takes only its tokens: " + r.promptPositions());
            assertTrue(r.officialPrompt().startsWith("\n### Human: Now on the beach"));
            assertEquals(2, c.generatedImages().size());
            assertNull(r.images().getFirst().editedFrom(), "no image in this turn: AUTO paints freshly");
        }
    }

    @Test
    void audioAndVideoOutputsAreReportedWithoutLosingTheText() throws Exception {
        CoDi2Config cfg = small(CoDi2Config.read(dir.resolve("codi2.json")))
                .withOutputMarkers(java.util.Map.of("image", CoDi2Config.Marker.text("<p>"), "audio", CoDi2Config.Marker.text("enjoy")));
        try (CoDi2 m = CoDi2.load(cfg, CoDi2.Options.defaults()); Conversation c = m.newConversation()) {
            Reply r = c.send(Prompt.of("Turn this sound into a picture ", bird));
            assertEquals(DemoModel.PLANTED_REPLY, r.text());
            assertEquals(List.of("image", "audio"), r.features().stream().map(OutputFeature::modality).toList());
            assertEquals(1, r.images().size());
            assertTrue(r.notices().stream().anyMatch(n -> n.contains("audio decoder") && n.contains("not available yet")), r.notices().toString());
        }
    }

    @Test
    void cancellingATurnLeavesTheConversationAsItWas() {
        try (Conversation c = model.newConversation()) {
            c.send(Prompt.of("Here is a photo ", photo));
            int used = c.contextUsed();
            assertThrows(CancellationException.class, () -> c.send(Prompt.of("and now this ", bird), new ReplyListener() {
                @Override public void onText(String d) { c.cancel(); }
            }));
            assertEquals(used, c.contextUsed(), "the cancelled turn was cut from the KV cache");
            assertEquals(1, c.turns().size());
            assertThrows(CancellationException.class, () -> c.send(Prompt.of("paint ", bird), new ReplyListener() {
                @Override public void onProgress(Stage s, int done, int total) { if (s == Stage.PAINTING_IMAGE && done == 1) c.cancel(); }
            }));
            assertEquals(used, c.contextUsed());
            assertEquals(1, c.generatedImages().size());
            Reply r = c.send(Prompt.of("and now this ", bird));
            assertFalse(r.text().isEmpty(), "the conversation goes on after a cancel");
            assertTrue(r.officialPrompt().contains("#audio#_0"), "the cancelled turns did not take media numbers: " + r.officialPrompt());
        }
    }

    @Test
    void tooManyMediaForTheContextIsATypedErrorAndChangesNothing() throws Exception {
        CoDi2Config cfg = small(CoDi2Config.read(dir.resolve("codi2.json"))).withContextLength(600);
        try (CoDi2 m = CoDi2.load(cfg, CoDi2.Options.defaults()); Conversation c = m.newConversation()) {
            PromptTooLongException e = assertThrows(PromptTooLongException.class,
                    () -> c.send(Prompt.of("Look ", photo, photo, photo, photo)));
            assertTrue(e.getMessage().contains("4 images × 257 rows") && e.getMessage().contains("context_length"), e.getMessage());
            assertEquals(600, e.capacity());
            assertEquals(0, c.contextUsed());
            assertTrue(c.turns().isEmpty());
            assertFalse(c.send(Prompt.of("Look ", photo)).text().isEmpty(), "a turn that fits still works");
        }
    }

    @Test
    void imageBindDirectMixesMediaStraightToTheDecoder() throws Exception {
        CoDi2Config base = CoDi2Config.read(dir.resolve("codi2.json"));
        CoDi2Config noWeights = CoDi2Config.parse(Files.readString(dir.resolve("codi2.json")).replace("\"codi2_weights\": \"codi2/codi2_weights.safetensors\",", ""),
                dir.resolve("codi2.json"));
        assertTrue(base.hasCodi2Weights());
        assertFalse(noWeights.hasCodi2Weights());
        try (CoDi2 m = CoDi2.load(small(noWeights), CoDi2.Options.defaults()); Conversation c = m.newConversation()) {
            assertEquals(CoDi2.Mode.IMAGEBIND_DIRECT, m.mode());
            Reply r = c.send(Prompt.of("Turn this sound into a picture ", bird));
            assertTrue(r.features().isEmpty(), "no projector: no output features");
            assertEquals(1, r.images().size());
            assertEquals("imagebind-direct", r.images().getFirst().source());
            assertTrue(r.notices().stream().anyMatch(n -> n.contains("ImageBind-direct")), r.notices().toString());
            ImageBindDirect d = m.direct();
            float[] audio = d.embedding(List.of(ImageBindDirect.Weighted.of(bird, 1)));
            float[] image = d.embedding(List.of(ImageBindDirect.Weighted.of(photo, 1)));
            float[] mix = d.embedding(List.of(ImageBindDirect.Weighted.of(bird, 3), ImageBindDirect.Weighted.of(photo, 1)));
            for (int i = 0; i < mix.length; i++) assertEquals(0.75 * audio[i] + 0.25 * image[i], mix[i], 1e-5);
            double n = 0;
            for (float v : audio) n += v * v;
            assertEquals(20, Math.sqrt(n), 1e-3, "audio embeddings are ImageBind's unit × 20");
            UnsupportedMediaException noText = assertThrows(UnsupportedMediaException.class, () -> d.embedding(List.of(ImageBindDirect.Weighted.of("a bird", 1))));
            assertTrue(noText.getMessage().contains("text tower"), noText.getMessage());
            GeneratedImage g = d.generate(List.of(ImageBindDirect.Weighted.of(bird, 1), ImageBindDirect.Weighted.of(photo, 1)), m.config().image(), 7, null, ReplyListener.NONE);
            assertEquals(7, g.seed());
        }
    }

    private static Media.Image renamed(Media.Image m, String label) { return Media.Image.of(m.pixels(), label); }
}
