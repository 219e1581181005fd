package dev.codi4j.loaders.media;

import org.jcodec.api.FrameGrab;
import org.jcodec.api.PictureWithMetadata;
import org.jcodec.codecs.h264.H264Encoder;
import org.jcodec.common.Codec;
import org.jcodec.common.DemuxerTrackMeta;
import org.jcodec.common.MuxerTrack;
import org.jcodec.common.VideoCodecMeta;
import org.jcodec.common.VideoEncoder;
import org.jcodec.common.model.Packet;
import org.jcodec.containers.mp4.muxer.MP4Muxer;
import org.jcodec.common.io.ByteBufferSeekableByteChannel;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rational;
import org.jcodec.common.model.Rect;
import org.jcodec.common.model.Size;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * H.264 in MP4: decode to RGB frames and encode from them, through jcodec (pure Java).
 *
 * <p>Decoding: 8-bit 4:2:0 progressive H.264 in Baseline, Main and High profile (CAVLC, CABAC,
 * B-frames, 8x8 transform) decodes bit-exactly with ffmpeg in our tests; 10-bit, 4:2:2 and
 * interlaced streams are untested (jcodec may refuse them, which surfaces as a
 * {@link MediaException}). Frames come back in display order. YUV 4:2:0 is converted with BT.601
 * limited-range coefficients and nearest chroma (what ffmpeg's {@code -pix_fmt rgb24} does for
 * untagged SD video). The file is structure-checked first ({@link Mp4Boxes}) and frame size and
 * count are checked against {@link MediaLimits}.
 *
 * <p>Encoding: jcodec's H.264 encoder (Baseline-like, CAVLC, fixed quality; no B-frames) into an
 * MP4 written atomically. Odd sizes are cropped to even, as yuv420p requires.
 */
public final class Mp4 {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Mp4.class);

    static {
        // jcodec prints its diagnostics to stdout unless a sink is registered; route them to SLF4J
        org.jcodec.common.logging.Logger.addSink(m -> LOG.debug("jcodec {}: {}", m.getLevel(), m.getMessage()));
    }

    private Mp4() {}

    public static Video read(Path path) { return read(path, MediaLimits.defaults()); }

    public static Video read(Path path, MediaLimits limits) { return decode(limits.readFile(path), path.toString(), limits); }

    public static Video decode(byte[] data, String source, MediaLimits limits) {
        List<Object> frames = new ArrayList<>();
        double fps = decodeFrames(data, source, limits, pic -> toImage(pic, source), frames);
        List<Image> images = new ArrayList<>(frames.size());
        for (Object o : frames) images.add((Image) o);
        return new Video(images, fps);
    }

    /** Decodes every frame through {@code convert} into {@code out} (display order); returns the frame rate. */
    static double decodeFrames(byte[] data, String source, MediaLimits limits, java.util.function.Function<Picture, Object> convert, List<Object> out) {
        if (!Mp4Boxes.looksLikeMp4(data))
            throw new MediaException(source, "not an MP4/MOV file (starts with " + Images.hexPrefix(data) + ")", "convert it: ffmpeg -i input -c:v libx264 -profile:v main out.mp4");
        byte[] checked = Mp4Boxes.check(data, source);
        try {
            SeekableByteChannel ch = ByteBufferSeekableByteChannel.readFromByteBuffer(ByteBuffer.wrap(checked));
            FrameGrab grab = FrameGrab.createFrameGrab(ch);
            DemuxerTrackMeta meta = grab.getVideoTrack().getMeta();
            if (meta.getCodec() != null && meta.getCodec() != Codec.H264)
                throw new MediaException(source, "video codec is " + meta.getCodec() + ", only H.264 is supported", "re-encode: ffmpeg -i in -c:v libx264 -profile:v main out.mp4");
            Size size = meta.getVideoCodecMeta() == null ? null : meta.getVideoCodecMeta().getSize();
            if (size != null) limits.checkPixels(source, size.getWidth(), size.getHeight());
            int total = meta.getTotalFrames();
            if (total > limits.maxVideoFrames())
                throw new MediaException(source, "video has " + total + " frames, over the limit of " + limits.maxVideoFrames(), "raise MediaLimits.maxVideoFrames or cut the video");
            List<double[]> order = new ArrayList<>();
            List<Object> frames = new ArrayList<>();
            long keptPixels = 0;
            PictureWithMetadata pm;
            while ((pm = grab.getNativeFrameWithMetadata()) != null) {
                if (frames.size() >= limits.maxVideoFrames())
                    throw new MediaException(source, "video has more than " + limits.maxVideoFrames() + " frames", "raise MediaLimits.maxVideoFrames or cut the video");
                Picture pic = pm.getPicture();
                limits.checkPixels(source, pic.getCroppedWidth(), pic.getCroppedHeight());
                keptPixels += (long) pic.getCroppedWidth() * pic.getCroppedHeight();
                if (keptPixels > limits.maxVideoPixels())
                    throw new MediaException(source, "decoded frames exceed " + limits.maxVideoPixels() + " pixels in total (" + (frames.size() + 1) + " frames of " + pic.getCroppedWidth() + "x" + pic.getCroppedHeight() + ")",
                            "raise MediaLimits.maxVideoPixels, or cut or downscale the video (ffmpeg -t / -vf scale)");
                order.add(new double[] {pm.getTimestamp(), frames.size()});
                frames.add(convert.apply(pic));
            }
            if (frames.isEmpty()) throw new MediaException(source, "no decodable video frames", "the file is empty, truncated or its codec is unsupported");
            // decode order -> display order (B-frames)
            order.sort(Comparator.comparingDouble((double[] a) -> a[0]).thenComparingDouble(a -> a[1]));
            for (double[] o : order) out.add(frames.get((int) o[1]));
            double duration = meta.getTotalDuration();
            return duration > 0 && Double.isFinite(duration) ? frames.size() / duration : 25.0;
        } catch (MediaException e) {
            throw e;
        } catch (OutOfMemoryError e) {
            // jcodec sizes arrays from H.264 syntax elements it does not range-check (e.g.
            // num_ref_idx_active in a slice header, spec maximum 32). A corrupt value makes it ask for
            // one impossible array; that request fails without having taken memory, so the heap is
            // as it was and the input can be refused like any other corrupt stream.
            throw new MediaException(source, "the H.264 stream declares an impossibly large table (" + e.getMessage() + ")",
                    "the video is corrupt; re-encode it: ffmpeg -i in -c:v libx264 -pix_fmt yuv420p out.mp4", e);
        } catch (Exception | StackOverflowError e) {
            throw new MediaException(source, "cannot decode the H.264/MP4 data (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    "re-encode as Baseline or Main profile H.264: ffmpeg -i in -c:v libx264 -profile:v main -pix_fmt yuv420p out.mp4", e);
        }
    }

    /** jcodec keeps 8-bit samples as signed bytes offset by -128. */
    static Image toImage(Picture pic, String source) {
        if (pic.getColor() != ColorSpace.YUV420J && pic.getColor() != ColorSpace.YUV420)
            throw new MediaException(source, "decoded picture is " + pic.getColor() + ", expected YUV 4:2:0", "re-encode with -pix_fmt yuv420p");
        Rect crop = pic.getCrop();
        int x0 = crop == null ? 0 : crop.getX(), y0 = crop == null ? 0 : crop.getY();
        int w = pic.getCroppedWidth(), h = pic.getCroppedHeight(), plane = w * h;
        byte[] yp = pic.getPlaneData(0), up = pic.getPlaneData(1), vp = pic.getPlaneData(2);
        int ys = pic.getPlaneWidth(0), cs = pic.getPlaneWidth(1);
        byte[] out = new byte[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int Y = yp[(y + y0) * ys + x + x0] + 128;
                int ci = ((y + y0) >> 1) * cs + ((x + x0) >> 1);
                int U = up[ci] + 128, V = vp[ci] + 128;
                double c = 1.164383 * (Y - 16);
                int p = y * w + x;
                out[p] = (byte) clip(c + 1.596027 * (V - 128));
                out[plane + p] = (byte) clip(c - 0.391762 * (U - 128) - 0.812968 * (V - 128));
                out[2 * plane + p] = (byte) clip(c + 2.017232 * (U - 128));
            }
        }
        return Image.wrapBytes(w, h, 3, out);
    }

    /** The Y, U, V planes (unsigned, cropped) of a decoded picture, for bit-exactness checks. */
    static byte[][] yuvPlanes(Picture pic) {
        Rect crop = pic.getCrop();
        int x0 = crop == null ? 0 : crop.getX(), y0 = crop == null ? 0 : crop.getY();
        int w = pic.getCroppedWidth(), h = pic.getCroppedHeight();
        byte[][] out = {new byte[w * h], new byte[(w / 2) * (h / 2)], new byte[(w / 2) * (h / 2)]};
        for (int i = 0; i < 3; i++) {
            int pw = i == 0 ? w : w / 2, ph = i == 0 ? h : h / 2, ox = i == 0 ? x0 : x0 / 2, oy = i == 0 ? y0 : y0 / 2, s = pic.getPlaneWidth(i);
            byte[] d = pic.getPlaneData(i);
            for (int y = 0; y < ph; y++) for (int x = 0; x < pw; x++) out[i][y * pw + x] = (byte) (d[(y + oy) * s + x + ox] + 128);
        }
        return out;
    }

    private static int clip(double v) {
        long r = Math.round(v);
        return r < 0 ? 0 : r > 255 ? 255 : (int) r;
    }

    /**
     * Encodes {@code v} as H.264 in MP4 at {@code v.fps()} (rounded to a rational with
     * denominator 1001 or 1 as appropriate). Frames are converted to BT.601 limited-range YUV 4:2:0
     * (chroma averaged over 2x2), so any player shows the colours as in the source.
     */
    public static void write(Video v, Path path) {
        int w = v.width() & ~1, h = v.height() & ~1;
        if (w < 2 || h < 2) throw new MediaException(path.toString(), "frames of " + v.width() + "x" + v.height() + " are too small for H.264 4:2:0", "use frames of at least 2x2");
        Rational fps = rational(v.fps());
        AtomicFiles.writeFile(path, tmp -> {
            try (var ch = NIOUtils.writableChannel(tmp.toFile())) {
                // the encoder and muxer directly: SequenceEncoder would convert RGB with full-range
                // (JPEG) coefficients and write no range flag, so players would stretch the contrast
                H264Encoder enc = H264Encoder.createH264Encoder();
                MP4Muxer muxer = MP4Muxer.createMP4MuxerToChannel(ch);
                MuxerTrack track = muxer.addVideoTrack(Codec.H264, VideoCodecMeta.createSimpleVideoCodecMeta(new Size(w, h), ColorSpace.YUV420J));
                ByteBuffer buf = ByteBuffer.allocate(w * h * 6 + (1 << 16));
                long i = 0;
                for (Image f : v.frames()) {
                    Picture pic = toPicture(f.toRgb().toBytes(), w, h);
                    buf.clear();
                    VideoEncoder.EncodedFrame ef = enc.encodeFrame(pic, buf);
                    ByteBuffer data = NIOUtils.clone(ef.getData());
                    track.addFrame(Packet.createPacket(data, i * fps.getDen(), fps.getNum(), fps.getDen(), i,
                            ef.isKeyFrame() ? Packet.FrameType.KEY : Packet.FrameType.INTER, null));
                    i++;
                }
                muxer.finish();
            }
        });
    }

    /** fps as a rational: n/1 when whole, NTSC-style n/1001 (29.97 = 30000/1001) when that is exact to 1e-6, else n/1000. */
    static Rational rational(double fps) {
        if (!(fps > 0) || fps > 1000) throw new IllegalArgumentException("fps must be in (0, 1000], got " + fps);
        if (Math.abs(fps - Math.rint(fps)) < 1e-9) return new Rational((int) Math.rint(fps), 1);
        double ntsc = Math.rint(fps * 1.001) * 1000;
        if (Math.abs(ntsc / 1001 - fps) < 1e-6) return new Rational((int) ntsc, 1001);
        return new Rational((int) Math.round(fps * 1000), 1000);
    }

    static Picture toPicture(Image rgb, int w, int h) {
        Picture pic = Picture.create(w, h, ColorSpace.YUV420J);
        byte[] u8 = rgb.u8();
        int plane = rgb.width() * rgb.height(), sw = rgb.width();
        byte[] yp = pic.getPlaneData(0), up = pic.getPlaneData(1), vp = pic.getPlaneData(2);
        int ys = pic.getPlaneWidth(0), cs = pic.getPlaneWidth(1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int i = y * sw + x;
                int r = u8[i] & 0xFF, g = u8[plane + i] & 0xFF, b = u8[2 * plane + i] & 0xFF;
                yp[y * ys + x] = (byte) (clip(16 + 0.256788 * r + 0.504129 * g + 0.097906 * b) - 128);
            }
        for (int y = 0; y < h / 2; y++)
            for (int x = 0; x < w / 2; x++) {
                double r = 0, g = 0, b = 0;
                for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) {
                    int i = (2 * y + dy) * sw + 2 * x + dx;
                    r += u8[i] & 0xFF; g += u8[plane + i] & 0xFF; b += u8[2 * plane + i] & 0xFF;
                }
                r /= 4; g /= 4; b /= 4;
                up[y * cs + x] = (byte) (clip(128 - 0.148223 * r - 0.290993 * g + 0.439216 * b) - 128);
                vp[y * cs + x] = (byte) (clip(128 + 0.439216 * r - 0.367788 * g - 0.071427 * b) - 128);
            }
        return pic;
    }
}
