package dev.codi4j.examples;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.Conversation;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.Media.Audio;
import dev.codi4j.models.codi2.Media.Image;
import dev.codi4j.models.codi2.Prompt;
import dev.codi4j.models.codi2.Reply;
import dev.codi4j.models.codi2.ReplyListener;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A two-turn CoDi-2 conversation through the Java API: an interleaved prompt (text, an image and a
 * sound) whose reply streams to the console and paints a picture, then an edit of that picture.
 *
 * <pre>
 * java ... dev.codi4j.examples.Codi2Conversation [codi2.json] [image] [audio]
 * </pre>
 * Without arguments it uses the tiny random demo model (written once to ~/.cache/codi4j/demo).
 */
public final class Codi2Conversation {
    public static void main(String[] args) throws Exception {
        Path demo = args.length == 0 ? DemoModel.ensure(DemoModel.defaultRoot(), System.err::println) : null;
        Path config = args.length > 0 ? Path.of(args[0]) : demo.resolve("codi2.json");
        Image image = Image.read(args.length > 1 ? Path.of(args[1]) : demo.resolve("inputs/photo.png"));
        Audio sound = Audio.read(args.length > 2 ? Path.of(args[2]) : demo.resolve("inputs/birdsong.wav"));
        Path out = Files.createDirectories(Path.of("codi2-example"));

        ReplyListener print = new ReplyListener() {
            @Override public void onText(String delta) { System.out.print(delta); }
            @Override public void onProgress(Stage stage, int done, int total) {
                if (stage == Stage.PAINTING_IMAGE && done == total) System.out.print(" [painted]");
            }
        };
        try (CoDi2 model = CoDi2.load(config); Conversation conversation = model.newConversation()) {
            System.out.println(model.describe());
            Reply first = conversation.send(Prompt.of("Here is a photo ", image, " and a sound ", sound, ". Paint what you hear in this scene."), print);
            System.out.println();
            for (GeneratedImage g : first.images()) System.out.println("saved " + g.save(out));
            first.notices().forEach(n -> System.out.println("note: " + n));
            if (first.images().isEmpty()) return;

            // the generated picture goes back in; with one image in the turn, the default edit mode edits it
            Reply second = conversation.send(Prompt.of("Now make it snowy: ", first.images().getFirst()), print);
            System.out.println();
            for (GeneratedImage g : second.images()) System.out.println("saved " + g.save(out) + (g.editedFrom() == null ? "" : " (edits " + g.editedFrom() + ")"));
        }
    }
}
