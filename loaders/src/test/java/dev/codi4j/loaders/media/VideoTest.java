package dev.codi4j.loaders.media;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * MP4/H.264 decode against ffmpeg 5.1 (tools/fixtures/media_video.py), MP4 and GIF encode by
 * round trip, and ImageBind's frame sampling against values printed by torch.
 *
 * <p>Tolerances: H.264 decoding is specified bit-exactly, so the YUV planes must equal ffmpeg's
 * (max-abs 0). RGB: our BT.601 float conversion vs swscale's fixed-point tables, max-abs <= 3.
 * Encode round trip (lossy H.264): PSNR >= 30 dB.
 */
class VideoTest {
    static final JsonObject FILES = Fixtures.json("video/manifest.json").getAsJsonObject("files");

    @Test
    void h264FramesAreBitExactWithFfmpeg() {
        for (var e : FILES.entrySet()) {
            String name = e.getKey(), stem = name.replace(".mp4", "");
            JsonObject o = e.getValue().getAsJsonObject();
            int w = o.get("width").getAsInt(), h = o.get("height").getAsInt(), n = Integer.parseInt(o.get("nb_read_frames").getAsString());
            List<Object> planes = new ArrayList<>();
            Mp4.decodeFrames(Fixtures.bytes("video/" + name), name, MediaLimits.defaults(), Mp4::yuvPlanes, planes);
            assertEquals(n, planes.size(), name + " frame count");
            byte[] yuv = Fixtures.bytes("video/" + stem + "_ffmpeg.yuv");
            int frameBytes = w * h * 3 / 2;
            for (int i = 0; i < n; i++) {
                byte[][] p = (byte[][]) planes.get(i);
                int off = i * frameBytes;
                for (byte[] plane : p) {
                    for (int k = 0; k < plane.length; k++)
                        assertEquals(yuv[off + k], plane[k], name + " frame " + i + " sample " + k);
                    off += plane.length;
                }
            }
            Video v = Mp4.read(Fixtures.path("video/" + name));
            assertEquals(n, v.frameCount());
            String[] rate = o.get("r_frame_rate").getAsString().split("/");
            assertEquals(Double.parseDouble(rate[0]) / Double.parseDouble(rate[1]), v.fps(), 1e-6, name + " fps");
            byte[] rgb = Fixtures.bytes("video/" + stem + "_ffmpeg.rgb");
            int max = 0;
            for (int i = 0; i < n; i++) {
                Image f = v.frame(i);
                for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++)
                    max = Math.max(max, Math.abs((int) f.get(c, y, x) - (rgb[((i * h + y) * w + x) * 3 + c] & 0xFF)));
            }
            System.out.println(name + ": YUV bit-exact, RGB max-abs vs ffmpeg " + max);
            assertTrue(max <= 3, name + ": RGB max-abs " + max);
        }
    }

    @Test
    void mp4RoundTrip(@TempDir Path dir) {
        Video src = Mp4.read(Fixtures.path("video/chelsea_pan_48x32.mp4"));
        Path out = dir.resolve("out.mp4");
        Mp4.write(src, out);
        Video back = Mp4.read(out);
        assertEquals(src.frameCount(), back.frameCount());
        assertEquals(src.fps(), back.fps(), 1e-6);
        assertEquals(48, back.width());
        for (int i = 0; i < src.frameCount(); i++) {
            double psnr = psnr(src.frame(i), back.frame(i));
            assertTrue(psnr >= 30, "frame " + i + " PSNR " + psnr);
        }
    }

    @Test
    void gifHasFramesDelayAndLoop(@TempDir Path dir) throws Exception {
        Video src = Mp4.read(Fixtures.path("video/testsrc_32x32_baseline.mp4"));
        Path out = dir.resolve("out.gif");
        Gif.write(src, out);
        byte[] bytes = Files.readAllBytes(out);
        assertEquals(ImageFormat.GIF, ImageFormat.sniff(bytes));
        ImageReader r = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(out.toFile())) {
            r.setInput(in);
            assertEquals(10, r.getNumImages(true));
            IIOMetadataNode root = (IIOMetadataNode) r.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0");
            IIOMetadataNode gce = (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
            assertEquals("10", gce.getAttribute("delayTime"), "10 fps -> 10/100 s");
            IIOMetadataNode app = (IIOMetadataNode) root.getElementsByTagName("ApplicationExtension").item(0);
            assertEquals("NETSCAPE", app.getAttribute("applicationID"));
            assertArrayEquals(new byte[] {1, 0, 0}, (byte[]) app.getUserObject(), "loop forever");
            Image first = Images.fromBufferedImage(r.read(0), "gif");
            assertTrue(psnr(src.frame(0), first.toRgb()) > 25, "palette-reduced frame stays close");
        } finally {
            r.dispose();
        }
    }

    @Test
    void imageBindSampling() {
        // expected values printed by torch 1.13: torch.clamp(torch.linspace(0, t-1, n), 0, t-1).long()
        assertArrayEquals(new int[] {0, 4, 9}, VideoSampling.uniformTemporalSubsample(10, 3));
        assertArrayEquals(new int[] {0, 47}, VideoSampling.uniformTemporalSubsample(48, 2));
        assertArrayEquals(new int[] {0, 1, 3, 4, 6}, VideoSampling.uniformTemporalSubsample(7, 5));
        assertArrayEquals(new int[] {0, 8, 16, 25, 33, 42, 50, 59}, VideoSampling.uniformTemporalSubsample(60, 8));
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 2}, VideoSampling.uniformTemporalSubsample(3, 7));
        assertArrayEquals(new int[] {0, 19, 39, 59, 79, 99}, VideoSampling.uniformTemporalSubsample(100, 6));
        // ConstantClipsPerVideoSampler(2 s, 5 clips) on a 10 s video: starts 0, 2, 4, 6, 8
        var clips = VideoSampling.constantClipsPerVideo(10, 2, 5);
        assertEquals(5, clips.size());
        assertEquals(6.0, clips.get(3).start(), 1e-12);
        assertEquals(10.0, clips.get(4).end(), 1e-12);
        // a video shorter than a clip: every clip is [0, 2)
        assertEquals(0.0, VideoSampling.constantClipsPerVideo(1, 2, 5).get(4).start());
        // decord: range(ceil(fps*start), min(ceil(fps*end), n))
        assertArrayEquals(new int[] {48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59}, java.util.Arrays.copyOfRange(VideoSampling.frameIndices(new VideoSampling.Clip(2, 4), 24, 1000), 0, 12));
        assertEquals(48, VideoSampling.frameIndices(new VideoSampling.Clip(2, 4), 24, 1000).length);
        assertEquals(2, VideoSampling.frameIndices(new VideoSampling.Clip(0, 2), 24, 2).length);
        Video v = Mp4.read(Fixtures.path("video/chelsea_pan_48x32.mp4"));
        var sampled = VideoSampling.imageBindClips(v, 2, 5, 2);
        assertEquals(5, sampled.size());
        assertSame(v.frame(0), sampled.get(0).get(0));
        assertSame(v.frame(11), sampled.get(0).get(1), "a 0.5 s video: each clip spans all 12 frames");
    }

    static double psnr(Image a, Image b) {
        byte[] x = a.bytes(), y = b.bytes();
        double se = 0;
        for (int i = 0; i < x.length; i++) { double d = (x[i] & 0xFF) - (y[i] & 0xFF); se += d * d; }
        double mse = se / x.length;
        return mse == 0 ? 99 : 10 * Math.log10(255.0 * 255.0 / mse);
    }
}
