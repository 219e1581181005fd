package dev.codi4j.cli;

import dev.codi4j.models.imagebind.ImageBind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code codi4j similarity}: the cross-modal cosine similarity matrix of the inputs, and for every
 * non-text input the texts ranked as ImageBind's README does it (softmax over the texts of the dot
 * products of the official outputs, i.e. the cosine × the text logit scale and, for audio, × 20).
 */
@Command(name = "similarity", mixinStandardHelpOptions = true,
        description = {"Cross-modal similarity of images, videos, audio and texts with ImageBind, and zero-shot ranking of the texts."},
        footer = {"", "Example:", "  codi4j similarity -m imagebind_huge.pth --image dog.jpg --audio bark.wav --text 'a dog barking' --text 'a car engine'"})
public final class SimilarityCommand implements CliCommand, Callable<Integer> {
    @Mixin ImageBindOptions model;

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", paramLabel = "FILE", description = "An image (repeatable)") List<Path> images = new ArrayList<>();
    @Option(names = "--audio", paramLabel = "FILE", description = "A recording (repeatable)") List<Path> audio = new ArrayList<>();
    @Option(names = "--video", paramLabel = "FILE", description = "An MP4 video (repeatable)") List<Path> videos = new ArrayList<>();
    @Option(names = {"-t", "--text"}, paramLabel = "TEXT", description = "A text / class label (repeatable)") List<String> texts = new ArrayList<>();
    @Option(names = {"-q", "--quiet"}, description = "No progress bar") boolean quiet;

    @Override public int order() { return 31; }

    @Override public Integer call() throws Exception {
        ImageBindInputs in = new ImageBindInputs();
        for (Path p : images) in.image(p);
        for (Path p : videos) in.video(p);
        for (Path p : audio) in.audio(p);
        for (String t : texts) in.text(t);
        if (in.size() < 2) throw new IllegalArgumentException("give at least two inputs (--image, --audio, --video, --text) to compare");
        float[][] official;
        List<ProgressBar> bars = new ArrayList<>();
        try (var backend = model.backend(); ImageBind ib = model.open(backend)) {
            official = ib.encode(in.inputs, ImageBindInputs.progress(in.size(), model.batch, quiet, bars));
        } finally {
            for (ProgressBar b : bars) b.close();
        }
        float[][] unit = new float[official.length][];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = official[i].clone();
            double n = Math.sqrt(ImageBind.dot(unit[i], unit[i]));
            for (int j = 0; j < unit[i].length; j++) unit[i][j] /= (float) Math.max(n, 1e-12);
        }
        PrintWriter out = spec.commandLine().getOut();
        int n = in.size();
        String[] names = new String[n];
        for (int i = 0; i < n; i++) names[i] = "[" + (i + 1) + "] " + in.kinds.get(i) + " " + in.display(i);
        out.println("inputs:");
        for (String s : names) out.println("  " + s);
        out.println();
        out.println("cosine similarity:");
        StringBuilder head = new StringBuilder("      ");
        for (int j = 0; j < n; j++) head.append(String.format(Locale.ROOT, "%8s", "[" + (j + 1) + "]"));
        out.println(head);
        for (int i = 0; i < n; i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%6s", "[" + (i + 1) + "]"));
            for (int j = 0; j < n; j++) row.append(String.format(Locale.ROOT, "%8.4f", ImageBind.dot(unit[i], unit[j])));
            out.println(row);
        }
        List<Integer> textIdx = new ArrayList<>(), otherIdx = new ArrayList<>();
        for (int i = 0; i < n; i++) (in.kinds.get(i).equals("text") ? textIdx : otherIdx).add(i);
        if (!textIdx.isEmpty() && !otherIdx.isEmpty()) {
            out.println();
            out.println("zero-shot ranking of the texts (softmax over texts of the official outputs' dot products):");
            for (int i : otherIdx) {
                double[] logits = new double[textIdx.size()];
                for (int k = 0; k < logits.length; k++) logits[k] = ImageBind.dot(official[i], official[textIdx.get(k)]);
                double[] p = softmax(logits);
                Integer[] order = new Integer[logits.length];
                for (int k = 0; k < order.length; k++) order[k] = k;
                Arrays.sort(order, Comparator.comparingDouble(k -> -p[k]));
                out.println("  " + names[i]);
                for (int k : order) out.println(String.format(Locale.ROOT, "    %6.2f%%  %s", 100 * p[k], in.display(textIdx.get(k))));
            }
        }
        out.flush();
        return 0;
    }

    static double[] softmax(double[] x) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : x) m = Math.max(m, v);
        double[] p = new double[x.length];
        for (int i = 0; i < x.length; i++) s += p[i] = Math.exp(x[i] - m);
        for (int i = 0; i < x.length; i++) p[i] /= s;
        return p;
    }
}
