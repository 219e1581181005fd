package dev.codi4j.loaders.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * PNG and JPEG output: lossless round trip, text chunks read back by an independent reader (the
 * JDK's PNG metadata) and by our own, JPEG quality behaving as a quality, atomic replacement, and
 * the small image operations.
 */
class ImageEncodeTest {

    @Test
    void pngRoundTripIsLosslessAndCarriesText(@TempDir Path dir) throws Exception {
        Image src = Images.read(Fixtures.path("images/astronaut_rgba_96x80.png"));
        Map<String, String> text = new LinkedHashMap<>();
        text.put("prompt", "an astronaut riding a horse, 35mm");
        text.put("negative_prompt", "");
        text.put("seed", "1234567890");
        text.put("model", "stabilityai/stable-diffusion-2-1-unclip");
        text.put("steps", "20");
        text.put("caption", "Astronautin \u2014 \u5b87\u822a\u5458");   // not Latin-1: goes to iTXt
        Path p = dir.resolve("out.png");
        Images.writePng(src, p, text);
        Image back = Images.read(p);
        assertEquals("RGBA", back.mode());
        assertEquals(0, Fixtures.maxAbs(src, back));
        assertEquals(text, PngChunks.readText(Files.readAllBytes(p), "out.png"));
        // the JDK's PNG reader sees the same entries
        Map<String, String> jdk = new LinkedHashMap<>();
        ImageReader r = ImageIO.getImageReadersByFormatName("png").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            r.setInput(in);
            IIOMetadataNode root = (IIOMetadataNode) r.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
            var t = root.getElementsByTagName("tEXtEntry");
            for (int i = 0; i < t.getLength(); i++) { var e = (IIOMetadataNode) t.item(i); jdk.put(e.getAttribute("keyword"), e.getAttribute("value")); }
            var it = root.getElementsByTagName("iTXtEntry");
            for (int i = 0; i < it.getLength(); i++) { var e = (IIOMetadataNode) it.item(i); jdk.put(e.getAttribute("keyword"), e.getAttribute("text")); }
        } finally {
            r.dispose();
        }
        assertEquals(text, jdk);
        for (int c = 1; c <= 4; c++) {
            Image part = src.channelRange(0, Math.min(c, 4));
            if (c == 2) part = Image.ofBytes(96, 80, 2, concat(src.channelRange(0, 1).bytes(), src.channelRange(3, 1).bytes()));
            assertEquals(0, Fixtures.maxAbs(part, Images.decode(Images.encodePng(part, Map.of()), "mem.png")), "channels " + c);
        }
    }

    @Test
    void badTextKeysAreRefused(@TempDir Path dir) {
        Image img = Image.ofBytes(1, 1, 1, new byte[] {0});
        assertThrows(MediaException.class, () -> Images.writePng(img, dir.resolve("a.png"), Map.of("", "x")));
        assertThrows(MediaException.class, () -> Images.writePng(img, dir.resolve("a.png"), Map.of("k".repeat(80), "x")));
        assertThrows(MediaException.class, () -> Images.writePng(img, dir.resolve("a.png"), Map.of("\u732b", "x")));
        assertFalse(Files.exists(dir.resolve("a.png")));
    }

    @Test
    void jpegQualityAndAlphaRule(@TempDir Path dir) throws Exception {
        Image src = Images.read(Fixtures.path("images/chelsea_226x150.png"));
        Path hi = dir.resolve("hi.jpg"), lo = dir.resolve("lo.jpg");
        Images.writeJpeg(src, hi, 95);
        Images.writeJpeg(src, lo, 20);
        assertTrue(Files.size(hi) > 2 * Files.size(lo), "quality 95 should be much larger than 20");
        double pHi = VideoTest.psnr(src, Images.read(hi)), pLo = VideoTest.psnr(src, Images.read(lo));
        assertTrue(pHi > 38 && pHi > pLo + 5, "PSNR q95 " + pHi + " vs q20 " + pLo);
        MediaException e = assertThrows(MediaException.class, () -> Images.writeJpeg(Images.read(Fixtures.path("images/rgba.png")), dir.resolve("x.jpg"), 90));
        assertTrue(e.getMessage().contains("toRgb"));
        assertFalse(Files.exists(dir.resolve("x.jpg")));
    }

    @Test
    void writeReplacesAtomically(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("img.png");
        Images.writePng(Image.ofBytes(2, 1, 1, new byte[] {1, 2}), p);
        Images.writePng(Image.ofBytes(3, 1, 1, new byte[] {7, 8, 9}), p);
        assertEquals(3, Images.read(p).width());
        try (var s = Files.list(dir)) { assertEquals(1, s.count(), "no temporary files left"); }
    }

    @Test
    void floatImagesRoundHalfToEvenAndClamp() {
        Image f = Image.ofFloats(4, 1, 1, new float[] {-0.5f, 0.5f / 255f, 1.5f / 255f, 2f});
        assertArrayEquals(new byte[] {0, 0, 2, (byte) 255}, f.toBytes().bytes());
    }

    @Test
    void centerCropPadsLikeTorchvision() {
        Image img = Image.ofBytes(3, 3, 1, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Image c = ImageOps.centerCrop(img, 6, 6, ImageOps.CropRounding.TORCHVISION);
        // torchvision pads (6 - 3) // 2 = 1 before, 2 after
        assertEquals(0f, c.get(0, 0, 0));
        assertEquals(1f, c.get(0, 1, 1));
        assertEquals(9f, c.get(0, 3, 3));
        assertEquals(0f, c.get(0, 4, 4));
        Image d = ImageOps.centerCrop(img, 1, 1, ImageOps.CropRounding.FLOOR);
        assertEquals(5f, d.get(0, 0, 0));
    }

    @Test
    void normalizeAndToTensor() {
        Image img = Image.ofBytes(1, 1, 3, new byte[] {(byte) 255, 0, (byte) 128});
        var t = ImageOps.normalize(ImageOps.toTensor(img), ClipImagePreprocess.CLIP_MEAN, ClipImagePreprocess.CLIP_STD);
        float[] v = t.toFloatArray();
        assertEquals((1f - 0.48145466f) / 0.26862954f, v[0], 0f);
        assertEquals((0f - 0.4578275f) / 0.26130258f, v[1], 0f);
        assertEquals((128 / 255f - 0.40821073f) / 0.27577711f, v[2], 0f);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
