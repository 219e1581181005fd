package dev.codi4j.loaders.media;

import java.util.List;

/**
 * A decoded video: frames in display order (8-bit RGB {@link Image}s of one size) and a frame
 * rate. Frame {@code i} is shown at {@code i / fps} seconds, which is how decord (ImageBind's video
 * decoder) indexes frames too. Immutable.
 */
public final class Video {
    private final List<Image> frames;
    private final double fps;

    public Video(List<Image> frames, double fps) {
        if (frames.isEmpty()) throw new IllegalArgumentException("a video needs at least one frame");
        if (!(fps > 0) || Double.isInfinite(fps)) throw new IllegalArgumentException("fps must be positive and finite, got " + fps);
        Image f0 = frames.get(0);
        for (Image f : frames)
            if (f.width() != f0.width() || f.height() != f0.height())
                throw new IllegalArgumentException("all frames must be " + f0.width() + "x" + f0.height() + ", found " + f.width() + "x" + f.height());
        this.frames = List.copyOf(frames);
        this.fps = fps;
    }

    public List<Image> frames() { return frames; }
    public Image frame(int i) { return frames.get(i); }
    public int frameCount() { return frames.size(); }
    public double fps() { return fps; }
    public int width() { return frames.get(0).width(); }
    public int height() { return frames.get(0).height(); }
    /** {@code frameCount / fps}: decord's and pytorchvideo's notion of the duration. */
    public double durationSeconds() { return frames.size() / fps; }

    @Override public String toString() { return "Video(" + width() + "x" + height() + ", " + frames.size() + " frames @ " + fps + " fps)"; }
}
