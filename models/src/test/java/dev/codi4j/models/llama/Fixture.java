package dev.codi4j.models.llama;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny random Llama made by tools/fixtures/llama_reference.py, and stories260K from /work/shared. */
final class Fixture {
    private Fixture() {}

    static Path dir() {
        try {
            return Path.of(Fixture.class.getResource("/fixtures/llama/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** expected.safetensors, opened (close it). */
    static Weights expected() {
        try {
            return Weights.open(dir().resolve("expected.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Weights w, String name) { return w.get(name).toIntArray(); }

    static float[] floats(Weights w, String name) { return w.get(name).toFloatArray(); }

    /** The stories260K folder, or null when the shared folder is absent (the caller skips). */
    static Path stories() {
        Path p = Path.of(System.getProperty("codi4j.shared", "../shared")).resolve("models/stories260K");
        return Files.isRegularFile(p.resolve("model.safetensors")) ? p : null;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }

    static float[] row(Tensor t, int r) { return t.narrow(0, r, 1).toFloatArray(); }
}
