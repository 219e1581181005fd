package dev.codi4j.models.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.Tensor;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Comparisons against PyTorch fixtures, with the measured error printed so reports can quote it. */
public final class Parity {
    private Parity() {}

    /** A folder of test resources (e.g. "fixtures/imagebind"). */
    public static Path resource(String dir) {
        URL u = Parity.class.getResource("/" + dir);
        if (u == null) throw new IllegalStateException("test resource folder " + dir + " is missing; regenerate it with the script in tools/fixtures");
        try {
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows of (N, D): each row's cosine ≥ {@code minCos} and every |difference| ≤ {@code maxAbs}. */
    public static void assertEmbeddings(String what, Tensor expected, Tensor actual, double minCos, double maxAbs) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        int d = expected.dim(-1), n = e.length / d;
        double worstCos = 1, worstAbs = 0;
        for (int r = 0; r < n; r++) {
            double dot = 0, ne = 0, na = 0;
            for (int i = 0; i < d; i++) {
                double x = e[r * d + i], y = a[r * d + i];
                dot += x * y;
                ne += x * x;
                na += y * y;
                worstAbs = Math.max(worstAbs, Math.abs(x - y));
            }
            worstCos = Math.min(worstCos, dot / Math.sqrt(ne * na));
        }
        System.out.printf("parity %-22s min cosine %.9f  max-abs %.3g%n", what, worstCos, worstAbs);
        assertTrue(worstCos >= minCos, what + ": cosine " + worstCos + " < " + minCos);
        assertTrue(worstAbs <= maxAbs, what + ": max-abs " + worstAbs + " > " + maxAbs);
    }

    /** Every element within {@code relTol} · max|expected| of the expected value. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double relTol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double scale = 0, worst = 0;
        for (float v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]));
        System.out.printf("parity %-22s max-abs %.3g (max|x| %.3g)%n", what, worst, scale);
        assertTrue(worst <= relTol * scale, what + ": max-abs " + worst + " > " + relTol + " × " + scale);
    }
}
