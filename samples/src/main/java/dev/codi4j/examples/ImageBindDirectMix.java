package dev.codi4j.examples;

import dev.codi4j.models.codi2.CoDi2;
import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.ImageBindDirect;
import dev.codi4j.models.codi2.ImageBindDirect.Weighted;
import dev.codi4j.models.codi2.Media;
import dev.codi4j.models.codi2.ReplyListener;
import dev.codi4j.models.codi2.demo.DemoModel;
import java.nio.file.Path;
import java.util.List;

/**
 * ImageBind-direct generation, which needs only public weights: a weighted mix of a sound and an
 * image, in ImageBind's shared space, painted by the image decoder — sound → picture, picture + sound
 * → picture.
 *
 * <pre>
 * java ... dev.codi4j.examples.ImageBindDirectMix [codi2.json] [audio] [image] [audio-weight]
 * </pre>
 */
public final class ImageBindDirectMix {
    public static void main(String[] args) throws Exception {
        Path demo = args.length == 0 ? DemoModel.ensure(DemoModel.defaultRoot(), System.err::println) : null;
        Path config = args.length > 0 ? Path.of(args[0]) : demo.resolve("codi2.json");
        Media sound = Media.read(args.length > 1 ? Path.of(args[1]) : demo.resolve("inputs/birdsong.wav"));
        Media image = Media.read(args.length > 2 ? Path.of(args[2]) : demo.resolve("inputs/photo.png"));
        double w = args.length > 3 ? Double.parseDouble(args[3]) : 0.7;
        try (CoDi2 model = CoDi2.load(config)) {
            ImageBindDirect direct = model.direct();
            GeneratedImage g = direct.generate(List.of(Weighted.of(sound, w), Weighted.of(image, 1 - w)), model.config().image(), 42, null, ReplyListener.NONE);
            System.out.println("saved " + g.save(Path.of("imagebind-direct.png")) + " from " + g.prompt());
        }
    }
}
