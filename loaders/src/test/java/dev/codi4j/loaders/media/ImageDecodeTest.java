package dev.codi4j.loaders.media;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Decoding against Pillow 9.4 (fixtures from tools/fixtures/media_images.py): every variant is
 * compared with {@code ImageOps.exif_transpose(Image.open(p)).convert("RGB")}.
 *
 * <p>Tolerances: lossless formats (PNG, BMP, GIF, lossless WebP) must be exact. JPEG: Pillow uses
 * libjpeg-turbo, the JDK an older IJG libjpeg; both use the accurate integer IDCT and fancy
 * upsampling; measured identical on JDK 25 vs Pillow 9.4 (libjpeg-turbo), CMYK included; we allow max-abs <= 2, mean-abs <= 0.1 in 0..255
 * units). Lossy WebP: libwebp vs TwelveMonkeys' Java VP8 decoder, max-abs <= 24, mean-abs <= 1.5 (libwebp upsamples chroma with its "fancy" filter; the Java decoder differs at colour edges).
 */
class ImageDecodeTest {
    static final JsonObject FILES = Fixtures.json("images/manifest.json").getAsJsonObject("files");

    @Test
    void everyVariantMatchesPillow() {
        Map<String, String> report = new TreeMap<>();
        int checked = 0;
        for (var e : FILES.entrySet()) {
            JsonObject o = e.getValue().getAsJsonObject();
            if (!o.has("expected")) continue;
            String name = e.getKey();
            Image ours = Images.read(Fixtures.path("images/" + name)).toRgb();
            // toRgb: Pillow keeps a palette transparency as an RGB tRNS entry when it saves the converted image
            Image pil = Images.read(Fixtures.path("images/" + o.get("expected").getAsString())).toRgb();
            assertEquals(pil.width(), ours.width(), name + " width");
            assertEquals(pil.height(), ours.height(), name + " height");
            int max = Fixtures.maxAbs(ours, pil);
            double mean = Fixtures.meanAbs(ours, pil);
            report.put(name, "max " + max + " mean " + String.format("%.3f", mean));
            if (name.endsWith(".jpg")) {
                assertTrue(max <= 2 && mean <= 0.1, name + ": JPEG differs from Pillow by max " + max + ", mean " + mean);
            } else if (name.endsWith("lossy.webp")) {
                assertTrue(max <= 24 && mean <= 1.5, name + ": lossy WebP differs from Pillow by max " + max + ", mean " + mean);
            } else {
                assertEquals(0, max, name + ": lossless decode must match Pillow exactly");
            }
            checked++;
        }
        System.out.println("decode vs Pillow: " + report);
        assertTrue(checked >= 25, "expected at least 25 decode fixtures, found " + checked);
    }

    @Test
    void exifOrientationCanBeSkippedLikePlainImageOpen() {
        Image raw = Images.read(Fixtures.path("images/chelsea_exif6.jpg"), MediaLimits.defaults(), false);
        Image upright = Images.read(Fixtures.path("images/chelsea_exif6.jpg"));
        assertEquals(96, raw.width());
        assertEquals(48, raw.height());
        assertEquals(48, upright.width());
        assertEquals(96, upright.height());
        assertEquals(6, Exif.orientation(Fixtures.bytes("images/chelsea_exif6.jpg")));
        assertEquals(6, Exif.orientation(Fixtures.bytes("images/chelsea_exif6.png")));
        assertEquals(1, Exif.orientation(Fixtures.bytes("images/chelsea_baseline.jpg")));
    }

    @Test
    void modesAreKeptUntilConvertedToRgb() {
        assertEquals("RGBA", Images.read(Fixtures.path("images/rgba.png")).mode());
        assertEquals("LA", Images.read(Fixtures.path("images/la.png")).mode());
        assertEquals("L", Images.read(Fixtures.path("images/chelsea_grey.jpg")).mode());
        assertEquals("RGB", Images.read(Fixtures.path("images/chelsea_cmyk.jpg")).mode());
        assertEquals("RGBA", Images.read(Fixtures.path("images/rgba_alpha.webp")).mode());
        // palette with a transparent entry: RGBA, and convert("RGB") drops alpha without compositing
        Image pal = Images.read(Fixtures.path("images/palette_trns.png"));
        assertEquals(4, pal.channels());
    }

    @Test
    void pngTextAsPillowWroteIt() {
        JsonObject expected = FILES.getAsJsonObject("text_chunks.png").getAsJsonObject("text");
        Map<String, String> text = PngChunks.readText(Fixtures.bytes("images/text_chunks.png"), "text_chunks.png");
        assertEquals(expected.size(), text.size());
        for (var e : expected.entrySet()) assertEquals(e.getValue().getAsString(), text.get(e.getKey()), e.getKey());
    }

    @Test
    void grey16TakesHighByteWherePillowClips() {
        JsonObject o = FILES.getAsJsonObject("grey16.png");
        Image ours = Images.read(Fixtures.path("images/grey16.png"));
        assertEquals("L", ours.mode());
        // documented divergence: Pillow 9.4's convert("RGB") of mode "I" saturates at 255
        assertEquals(255, o.getAsJsonArray("pil_convert_rgb_first_row").get(5).getAsInt());
        assertTrue(ours.get(0, 0, 5) < 255);
    }
}
