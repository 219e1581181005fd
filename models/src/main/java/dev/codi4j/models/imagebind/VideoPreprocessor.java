package dev.codi4j.models.imagebind;

import dev.codi4j.loaders.media.ClipImagePreprocess;
import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Video;
import dev.codi4j.loaders.media.VideoSampling;
import dev.codi4j.tensor.Tensor;
import java.util.List;

/**
 * ImageBind's {@code load_and_transform_video_data} (imagebind/data.py): {@code clips} windows of
 * {@code clipSeconds} ({@code ConstantClipsPerVideoSampler}, 5 × 2 s), {@code framesPerClip} frames of
 * each ({@code UniformTemporalSubsample(2)}, frame choice as decord's {@code get_clip}: both from
 * {@link VideoSampling}), values / 255, {@code ShortSideScale(224)} (torch bilinear interpolation,
 * align_corners=False, no antialias, on the float frames), CLIP mean/std, then {@code SpatialCrop(224,
 * num_crops=3)}: left/centre/right (or top/centre/bottom) 224 × 224 crops. Output
 * (clips · 3, 3, framesPerClip, 224, 224), clip-major as upstream; the model averages all of them.
 */
public final class VideoPreprocessor {
    /** The defaults of load_and_transform_video_data. */
    public record Options(int clipSeconds, int clips, int framesPerClip, int size, int crops) {
        public static Options imageBind() { return new Options(2, 5, 2, 224, 3); }
    }

    private final Options options;

    public VideoPreprocessor(Options options) {
        if (options.crops() != 1 && options.crops() != 3) throw new IllegalArgumentException("SpatialCrop supports 1 or 3 crops, got " + options.crops());
        this.options = options;
    }

    public static VideoPreprocessor imageBind() { return new VideoPreprocessor(Options.imageBind()); }

    public Options options() { return options; }

    /** (clips · crops, 3, framesPerClip, size, size) F32. */
    public Tensor apply(Video video) {
        List<List<Image>> clips = VideoSampling.imageBindClips(video, options.clipSeconds(), options.clips(), options.framesPerClip());
        int t = options.framesPerClip(), s = options.size(), crops = options.crops();
        float[] out = new float[clips.size() * crops * 3 * t * s * s];
        int views = 0;
        for (List<Image> clip : clips) {
            Image first = clip.get(0).toRgb();
            int h = first.height(), w = first.width();
            // pytorchvideo short_side_scale: int(floor(h / w * size)) in double for the long side
            int nh, nw;
            if (w < h) { nh = (int) Math.floor((double) h / w * s); nw = s; }
            else { nh = s; nw = (int) Math.floor((double) w / h * s); }
            float[][] planes = new float[3 * t][];                   // (C, T) planes of (nh, nw)
            for (int f = 0; f < t; f++) {
                Image img = clip.get(f).toRgb().toBytes();
                if (img.width() != w || img.height() != h) throw new IllegalArgumentException("video frames differ in size: " + w + "x" + h + " and " + img.width() + "x" + img.height());
                for (int c = 0; c < 3; c++) {
                    float[] src = new float[h * w];
                    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) src[y * w + x] = img.get(c, y, x) / 255.0f;
                    float[] scaled = bilinear(src, h, w, nh, nw);
                    float m = ClipImagePreprocess.CLIP_MEAN[c], d = ClipImagePreprocess.CLIP_STD[c];
                    for (int i = 0; i < scaled.length; i++) scaled[i] = (scaled[i] - m) / d;
                    planes[c * t + f] = scaled;
                }
            }
            int[] cropIdx = crops == 3 ? new int[] {0, 1, 2} : new int[] {1};
            for (int idx : cropIdx) {
                // data.py uniform_crop: centre offsets ceil((H - size) / 2); index 0 / 2 are the two ends of the longer side
                int yOff = (int) Math.ceil((nh - s) / 2.0), xOff = (int) Math.ceil((nw - s) / 2.0);
                if (nh > nw) { if (idx == 0) yOff = 0; else if (idx == 2) yOff = nh - s; }
                else { if (idx == 0) xOff = 0; else if (idx == 2) xOff = nw - s; }
                int base = views * 3 * t * s * s;
                for (int p = 0; p < 3 * t; p++) {
                    float[] pl = planes[p];
                    for (int y = 0; y < s; y++) System.arraycopy(pl, (y + yOff) * nw + xOff, out, base + (p * s + y) * s, s);
                }
                views++;
            }
        }
        return Tensor.fromFloats(out, views, 3, t, s, s);
    }

    /**
     * {@code F.interpolate(mode="bilinear", align_corners=False)} of one plane, in float as torch's CPU
     * kernel: source index {@code (dst + 0.5)·in/out − 0.5} clamped at 0, neighbours clamped at the edge.
     */
    static float[] bilinear(float[] src, int h, int w, int nh, int nw) {
        float[] out = new float[nh * nw];
        float sh = (float) h / nh, sw = (float) w / nw;
        int[] x0 = new int[nw], x1 = new int[nw];
        float[] lx0 = new float[nw], lx1 = new float[nw];
        for (int x = 0; x < nw; x++) {
            float r = Math.max(sw * (x + 0.5f) - 0.5f, 0f);
            int i = (int) r;
            x0[x] = i;
            x1[x] = i + (i < w - 1 ? 1 : 0);
            lx1[x] = r - i;
            lx0[x] = 1f - lx1[x];
        }
        for (int y = 0; y < nh; y++) {
            float r = Math.max(sh * (y + 0.5f) - 0.5f, 0f);
            int i = (int) r, i1 = i + (i < h - 1 ? 1 : 0);
            float ly1 = r - i, ly0 = 1f - ly1;
            for (int x = 0; x < nw; x++) {
                float top = lx0[x] * src[i * w + x0[x]] + lx1[x] * src[i * w + x1[x]];
                float bottom = lx0[x] * src[i1 * w + x0[x]] + lx1[x] * src[i1 * w + x1[x]];
                out[y * nw + x] = ly0 * top + ly1 * bottom;
            }
        }
        return out;
    }
}
