package dev.codi4j.loaders.media;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.codi4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.MessageDigest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Resampling and CLIP/ImageBind preprocessing on real photographs against Pillow 9.4 and
 * torchvision 0.14 / torch 1.13 (tools/fixtures/media_images.py).
 *
 * <p>Tolerances: Pillow's 8-bit bicubic is integer arithmetic, so our result must be identical
 * (max-abs 0). torchvision's float resizes: max-abs <= 2e-6 on the 0..1 scale (float rounding of
 * weights and sums). The preprocessed tensors (values about -2..2): max-abs <= 1e-6 at 512 seeded
 * positions and channel sums within 1e-3 — in practice they are bit-identical, which the
 * sha256 check asserts for the ImageBind pipeline.
 */
class ResizeTest {
    static final JsonObject FILES = Fixtures.json("images/manifest.json").getAsJsonObject("files");
    static final String[] PHOTOS = {"astronaut_240x200", "chelsea_226x150", "coffee_133x131"};

    @Test
    void pilBicubicIsBitExactOnPhotos() {
        int n = 0;
        for (String stem : PHOTOS) {
            Image src = Images.read(Fixtures.path("images/" + stem + ".png"));
            for (var e : FILES.entrySet()) {
                if (!e.getKey().startsWith(stem + "_pil_bicubic_")) continue;
                Image expected = Images.read(Fixtures.path("images/" + e.getKey()));
                Image ours = Resize.pil(src, expected.width(), expected.height());
                assertEquals(0, Fixtures.maxAbs(ours, expected), e.getKey() + " must equal Pillow's BICUBIC exactly");
                n++;
            }
        }
        assertEquals(7, n, "number of Pillow resize fixtures");
    }

    @Test
    void pilBicubicRgbaIsPremultipliedLikePillow() {
        Image src = Images.read(Fixtures.path("images/astronaut_rgba_96x80.png"));
        Image expected = Images.read(Fixtures.path("images/astronaut_rgba_pil_bicubic_37x29.png"));
        assertEquals("RGBA", src.mode());
        assertEquals(0, Fixtures.maxAbs(Resize.pil(src, 37, 29), expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"astronaut_240x200", "chelsea_226x150"})
    void torchvisionTensorResize(String stem) {
        Image src = Images.read(Fixtures.path("images/" + stem + ".png")).toFloats();
        for (String kind : new String[] {"aa", "noaa"}) {
            for (int[] wh : new int[][] {{61, 47}, {71, 53}}) {
                Image in = wh[0] == 61 ? src : src.crop(20, 10, 40, 30);
                String name = stem + "_torch_" + kind + "_" + wh[0] + "x" + wh[1] + ".f32";
                float[] expected = Fixtures.f32("images/" + name);
                Image ours = kind.equals("aa") ? Resize.torchAntialias(in, wh[0], wh[1]) : Resize.torchBicubic(in, wh[0], wh[1]);
                double err = Fixtures.maxAbs(ours.floats(), expected);
                System.out.printf("%s max-abs %.3g%n", name, err);
                double tol = kind.equals("aa") ? 1e-6 : 1e-5;
                assertTrue(err <= tol, name + ": max-abs " + err + " > " + tol);
            }
        }
    }

    @Test
    void antialiasedTorchMatchesPillowFilterNotKeysMinus075() {
        // ATen's antialiased bicubic uses a = -0.5 (Pillow's), so on downscaling torchvision and
        // Pillow agree to float/8-bit rounding: within 1 level after rounding Pillow's 8-bit pass.
        Image src = Images.read(Fixtures.path("images/chelsea_226x150.png"));
        Image torch = Resize.torchAntialias(src, 61, 47);
        Image pil = Resize.pil(src, 61, 47);
        assertTrue(Fixtures.maxAbs(torch, pil) <= 1, "torch AA vs Pillow: " + Fixtures.maxAbs(torch, pil));
    }

    @ParameterizedTest
    @ValueSource(strings = {"astronaut_240x200", "chelsea_226x150", "coffee_133x131"})
    void imageBindPreprocess(String stem) throws Exception {
        Image src = Images.read(Fixtures.path("images/" + stem + ".png"));
        ClipImagePreprocess p = ClipImagePreprocess.imageBind();
        Image crop = Images.read(Fixtures.path("images/" + stem + "_imagebind_crop.png"));
        assertEquals(0, Fixtures.maxAbs(p.resizeAndCrop(src), crop), "resize + CenterCrop must be exact");
        Tensor t = p.apply(src);
        assertArrayEquals(new int[] {3, 224, 224}, t.shape());
        float[] v = t.toFloatArray();
        JsonObject o = FILES.getAsJsonObject(stem + "_imagebind");
        checkSamples(stem + " ImageBind", v, o);
        assertEquals(o.get("sha256_f32").getAsString(), sha256(v), stem + ": ImageBind tensor is expected bit-identical to torchvision's");
    }

    @ParameterizedTest
    @ValueSource(strings = {"astronaut_240x200", "chelsea_226x150", "coffee_133x131"})
    void clipImageProcessorPreprocess(String stem) throws Exception {
        Image src = Images.read(Fixtures.path("images/" + stem + ".png"));
        float[] v = ClipImagePreprocess.clipImageProcessor().apply(src).toFloatArray();
        JsonObject o = FILES.getAsJsonObject(stem + "_clipprocessor");
        checkSamples(stem + " CLIPImageProcessor", v, o);
        assertEquals(o.get("sha256_f32").getAsString(), sha256(v), stem + ": CLIPImageProcessor tensor is expected bit-identical to numpy's");
    }

    @Test
    void coffeeIsTheCaseWhereTheTwoCropRulesDiffer() {
        // 133x131 -> 227x224: margin 3, torchvision rounds 1.5 to 2, transformers floors to 1
        Image src = Images.read(Fixtures.path("images/coffee_133x131.png"));
        Image a = ClipImagePreprocess.imageBind().resizeAndCrop(src), b = ClipImagePreprocess.clipImageProcessor().resizeAndCrop(src);
        assertTrue(Fixtures.maxAbs(a, b) > 0);
        assertArrayEquals(new int[] {227, 224}, ImageOps.shortestSideSize(133, 131, 224));
    }

    private static void checkSamples(String what, float[] v, JsonObject o) {
        JsonArray idx = o.getAsJsonArray("index"), val = o.getAsJsonArray("values"), sums = o.getAsJsonArray("channel_sums");
        double max = 0;
        for (int i = 0; i < idx.size(); i++) max = Math.max(max, Math.abs(v[idx.get(i).getAsInt()] - val.get(i).getAsDouble()));
        assertTrue(max <= 1e-6, what + ": max-abs at sampled positions " + max);
        int plane = v.length / 3;
        for (int c = 0; c < 3; c++) {
            double s = 0;
            for (int i = c * plane; i < (c + 1) * plane; i++) s += v[i];
            assertEquals(sums.get(c).getAsDouble(), s, 1e-3, what + " channel " + c + " sum");
        }
    }

    static String sha256(float[] v) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }
}
