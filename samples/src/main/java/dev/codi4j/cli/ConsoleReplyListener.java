package dev.codi4j.cli;

import dev.codi4j.models.codi2.GeneratedImage;
import dev.codi4j.models.codi2.ReplyListener;
import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Streams reply text to the console and shows a progress bar while an image is painted. */
final class ConsoleReplyListener implements ReplyListener {
    private final PrintWriter out;
    private final boolean quiet;
    private ProgressBar bar;

    ConsoleReplyListener(PrintWriter out, boolean quiet) {
        this.out = out;
        this.quiet = quiet;
    }

    @Override public void onText(String delta) {
        out.print(delta);
        out.flush();
    }

    @Override public void onStage(Stage stage, String detail) {
        closeBar();
        if (quiet) return;
        if (stage == Stage.PAINTING_IMAGE) {
            out.println();
            out.flush();
            bar = new ProgressBarBuilder().setTaskName("painting " + shorten(detail)).setInitialMax(1).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200).continuousUpdate().build();
        }
    }

    @Override public void onProgress(Stage stage, int done, int total) {
        if (bar != null && stage == Stage.PAINTING_IMAGE) {
            bar.maxHint(total);
            bar.stepTo(done);
        }
    }

    @Override public void onImage(GeneratedImage image) { closeBar(); }

    void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private static String shorten(String s) { return s.length() <= 32 ? s : s.substring(0, 31) + "…"; }
}
