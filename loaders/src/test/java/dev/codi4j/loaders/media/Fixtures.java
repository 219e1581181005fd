package dev.codi4j.loaders.media;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to the committed fixtures under src/test/resources/media (made by tools/fixtures/media_*.py). */
final class Fixtures {
    private Fixtures() {}

    static Path path(String rel) {
        var url = Fixtures.class.getResource("/media/" + rel);
        if (url == null) throw new IllegalStateException("missing fixture media/" + rel + "; regenerate with tools/fixtures/media_*.py");
        try { return Path.of(url.toURI()); } catch (URISyntaxException e) { throw new IllegalStateException(e); }
    }

    static byte[] bytes(String rel) {
        try { return Files.readAllBytes(path(rel)); } catch (IOException e) { throw new IllegalStateException(e); }
    }

    static float[] f32(String rel) {
        ByteBuffer b = ByteBuffer.wrap(bytes(rel)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    static JsonObject json(String rel) {
        try { return JsonParser.parseString(Files.readString(path(rel))).getAsJsonObject(); } catch (IOException e) { throw new IllegalStateException(e); }
    }

    /** Largest absolute difference between two 8-bit images of the same shape (in 0..255 units). */
    static int maxAbs(Image a, Image b) {
        if (a.width() != b.width() || a.height() != b.height() || a.channels() != b.channels())
            throw new AssertionError("shapes differ: " + a + " vs " + b);
        byte[] x = a.bytes(), y = b.bytes();
        int m = 0;
        for (int i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] & 0xFF) - (y[i] & 0xFF)));
        return m;
    }

    static double meanAbs(Image a, Image b) {
        byte[] x = a.bytes(), y = b.bytes();
        long s = 0;
        for (int i = 0; i < x.length; i++) s += Math.abs((x[i] & 0xFF) - (y[i] & 0xFF));
        return (double) s / x.length;
    }

    static double maxAbs(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
