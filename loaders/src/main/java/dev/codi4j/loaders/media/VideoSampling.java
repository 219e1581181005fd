package dev.codi4j.loaders.media;

import java.util.ArrayList;
import java.util.List;

/**
 * Temporal sampling as ImageBind's {@code load_and_transform_video_data} does it, through
 * pytorchvideo: {@code ConstantClipsPerVideoSampler(clip_duration=2, clips_per_video=5)} picks
 * clip windows, decord's {@code get_clip} takes the frames inside each window, and
 * {@code UniformTemporalSubsample(num_samples=2)} keeps evenly spaced frames of each clip.
 */
public final class VideoSampling {
    private VideoSampling() {}

    /** A clip window {@code [start, end)} in seconds. */
    public record Clip(double start, double end) {}

    /**
     * pytorchvideo's {@code ConstantClipsPerVideoSampler}: {@code clipsPerVideo} windows of
     * {@code clipDuration} seconds with starts spread evenly over
     * {@code [0, max(duration - clipDuration, 0)]} (ImageBind: 2 s, 5 clips).
     */
    public static List<Clip> constantClipsPerVideo(double videoDuration, double clipDuration, int clipsPerVideo) {
        if (clipsPerVideo < 1 || !(clipDuration > 0)) throw new IllegalArgumentException("need clipsPerVideo >= 1 and clipDuration > 0, got " + clipsPerVideo + ", " + clipDuration);
        double maxStart = Math.max(videoDuration - clipDuration, 0);
        double step = maxStart / Math.max(clipsPerVideo - 1, 1);
        List<Clip> out = new ArrayList<>(clipsPerVideo);
        for (int i = 0; i < clipsPerVideo; i++) {
            double s = step * i;
            out.add(new Clip(s, s + clipDuration));
        }
        return out;
    }

    /**
     * Frame indices of a clip as pytorchvideo's decord backend picks them:
     * {@code range(ceil(fps * start), min(ceil(fps * end), frameCount))}.
     */
    public static int[] frameIndices(Clip clip, double fps, int frameCount) {
        int s = (int) Math.ceil(fps * clip.start());
        int e = (int) Math.min(Math.ceil(fps * clip.end()), frameCount);
        if (e <= s) return new int[0];
        int[] idx = new int[e - s];
        for (int i = 0; i < idx.length; i++) idx[i] = s + i;
        return idx;
    }

    /**
     * pytorchvideo's {@code UniformTemporalSubsample}: positions
     * {@code torch.linspace(0, t - 1, n).clamp(0, t - 1).long()} (float32 linspace, truncated) of a
     * clip of {@code t} frames; repeats frames when {@code n > t}.
     */
    public static int[] uniformTemporalSubsample(int t, int n) {
        if (t < 1 || n < 1) throw new IllegalArgumentException("need at least one frame and one sample, got t=" + t + ", n=" + n);
        int[] out = new int[n];
        if (n == 1) return out;
        float start = 0f, end = t - 1, step = (end - start) / (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++) {
            // torch's CPU linspace fills the first half from the start and the second from the end
            float v = i < half ? start + step * i : end - step * (n - 1 - i);
            out[i] = (int) Math.max(0f, Math.min(end, v));
        }
        return out;
    }

    /** The frames ImageBind feeds per clip: for each of the clips, {@code samplesPerClip} frames. */
    public static List<List<Image>> imageBindClips(Video v, double clipDuration, int clipsPerVideo, int samplesPerClip) {
        List<List<Image>> out = new ArrayList<>();
        for (Clip c : constantClipsPerVideo(v.durationSeconds(), clipDuration, clipsPerVideo)) {
            int[] idx = frameIndices(c, v.fps(), v.frameCount());
            if (idx.length == 0) idx = new int[] {Math.min(v.frameCount() - 1, (int) Math.ceil(v.fps() * c.start()))};
            List<Image> clip = new ArrayList<>();
            for (int k : uniformTemporalSubsample(idx.length, samplesPerClip)) clip.add(v.frame(idx[k]));
            out.add(clip);
        }
        return out;
    }
}
