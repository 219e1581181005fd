package dev.codi4j.cli;

import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.MediaException;
import dev.codi4j.loaders.media.MediaLimits;
import dev.codi4j.loaders.media.Mp4;
import dev.codi4j.models.imagebind.ImageBind;
import dev.codi4j.models.imagebind.ImageBind.Input;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Labelled inputs gathered from command-line options, and a progress bar for long batches. */
final class ImageBindInputs {
    final List<String> labels = new ArrayList<>();
    final List<Input> inputs = new ArrayList<>();
    final List<String> kinds = new ArrayList<>();

    void image(Path p) throws IOException { add("image", p.toString(), decode(() -> Input.image(Images.read(p, MediaLimits.defaults(), false)))); }

    void audio(Path p) throws IOException { add("audio", p.toString(), decode(() -> Input.audio(AudioFiles.read(p)))); }

    void video(Path p) throws IOException { add("video", p.toString(), decode(() -> Input.video(Mp4.read(p)))); }

    void text(String t) { add("text", t, Input.text(t)); }

    /** The label for display: texts in quotes. */
    String display(int i) { return kinds.get(i).equals("text") ? "\"" + labels.get(i) + "\"" : labels.get(i); }

    void file(Path p) throws IOException {
        Input in = decode(() -> Input.file(p));
        add(switch (in) {
            case ImageBind.ImageInput i -> "image";
            case ImageBind.AudioInput a -> "audio";
            case ImageBind.VideoInput v -> "video";
            default -> "other";
        }, p.toString(), in);
    }

    private interface Decoder { Input get() throws IOException; }

    /** Media errors already say which file and what to do: shown as one line like other argument errors. */
    private static Input decode(Decoder d) throws IOException {
        try {
            return d.get();
        } catch (MediaException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private void add(String kind, String label, Input in) {
        kinds.add(kind);
        labels.add(label);
        inputs.add(in);
    }

    int size() { return inputs.size(); }

    /** A bar on stderr when there is more than one batch to run and output is not quiet. */
    static BiConsumer<Integer, Integer> progress(int total, int batch, boolean quiet, List<ProgressBar> holder) {
        if (quiet || total <= batch) return null;
        ProgressBar bar = new ProgressBarBuilder().setTaskName("embedding").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200).continuousUpdate().build(); // draws on stderr
        holder.add(bar);
        return (done, all) -> bar.stepTo(done);
    }
}
