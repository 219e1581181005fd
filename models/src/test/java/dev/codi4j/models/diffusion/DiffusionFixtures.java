package dev.codi4j.models.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.weights.Weights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to the PyTorch fixtures under {@code fixtures/diffusion/} and comparison helpers. */
public final class DiffusionFixtures {
    private DiffusionFixtures() {}

    public static Path path(String name) {
        var url = DiffusionFixtures.class.getResource("/fixtures/diffusion/" + name);
        if (url == null) throw new IllegalStateException("missing test fixture fixtures/diffusion/" + name + " (regenerate with tools/fixtures/diffusion_*.py)");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Weights weights(String name) {
        try {
            return Weights.open(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonObject json(String name) {
        try {
            return JsonParser.parseString(Files.readString(path(name))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, reporting the worst element.
     * @return the largest absolute difference
     */
    public static double assertClose(String what, float[] expected, float[] actual, double atol, double rtol) {
        assertEquals(expected.length, actual.length, what + ": length");
        double worst = 0, worstExcess = -1;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(actual[i]) != Double.isNaN(expected[i])) fail(what + ": NaN mismatch at " + i + " expected " + expected[i] + " got " + actual[i]);
            worst = Math.max(worst, d);
            double excess = d - (atol + rtol * Math.abs(expected[i]));
            if (excess > worstExcess) { worstExcess = excess; at = i; }
        }
        if (worstExcess > 0) fail(what + ": element " + at + " expected " + expected[at] + " got " + actual[at] + " (|diff| " + Math.abs(actual[at] - expected[at]) + " > atol " + atol + " + rtol " + rtol + "·|expected|)");
        return worst;
    }

    /** Cosine similarity of two vectors (double accumulation). */
    public static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) { ab += (double) a[i] * b[i]; aa += (double) a[i] * a[i]; bb += (double) b[i] * b[i]; }
        return ab / Math.sqrt(aa * bb);
    }

    public static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
