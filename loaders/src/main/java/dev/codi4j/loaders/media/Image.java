package dev.codi4j.loaders.media;

import dev.codi4j.tensor.Tensor;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A decoded still image: {@code width x height} pixels with 1 to 4 channels stored as separate
 * planes (channel-major, like a CHW tensor), either 8-bit ({@link #isFloat()} false, values 0..255)
 * or 32-bit float (values on the 0..1 scale of {@code ToTensor}, not clamped).
 *
 * <p>Channel meaning follows PIL's modes: 1 = "L" (grey), 2 = "LA", 3 = "RGB", 4 = "RGBA". Instances
 * are immutable: operations return new images, and accessors hand out copies.
 */
public final class Image {
    private final int width, height, channels;
    private final byte[] u8;      // planar, c*H*W + y*W + x; null when float
    private final float[] f32;    // planar; null when 8-bit

    private Image(int width, int height, int channels, byte[] u8, float[] f32) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (channels < 1 || channels > 4) throw new IllegalArgumentException("channels must be 1 (L), 2 (LA), 3 (RGB) or 4 (RGBA), got " + channels);
        long n = (long) width * height * channels;
        int len = u8 != null ? u8.length : f32.length;
        if (n != len) throw new IllegalArgumentException(len + " samples do not fill " + width + "x" + height + "x" + channels);
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.u8 = u8;
        this.f32 = f32;
    }

    /** An 8-bit image over a copy of {@code planar} (channel-major samples, 0..255 as unsigned bytes). */
    public static Image ofBytes(int width, int height, int channels, byte[] planar) {
        return new Image(width, height, channels, planar.clone(), null);
    }

    /** A float image over a copy of {@code planar} (channel-major, 0..1 scale). */
    public static Image ofFloats(int width, int height, int channels, float[] planar) {
        return new Image(width, height, channels, null, planar.clone());
    }

    static Image wrapBytes(int width, int height, int channels, byte[] planar) { return new Image(width, height, channels, planar, null); }
    static Image wrapFloats(int width, int height, int channels, float[] planar) { return new Image(width, height, channels, null, planar); }

    /**
     * A float image from a CHW (or 1xCHW) F32 tensor on the 0..1 scale, e.g. a VAE output mapped
     * by {@code (x + 1) / 2}. Values are kept as they are; {@link #toBytes()} rounds and clamps.
     */
    public static Image fromTensor(Tensor chw) {
        int[] s = chw.shape();
        if (s.length == 4 && s[0] == 1) s = new int[] {s[1], s[2], s[3]};
        if (s.length != 3 || s[0] < 1 || s[0] > 4)
            throw new IllegalArgumentException("expected a (C, H, W) or (1, C, H, W) tensor with 1..4 channels, got " + chw.describe());
        return new Image(s[2], s[1], s[0], null, chw.toFloatArray());
    }

    public int width() { return width; }
    public int height() { return height; }
    public int channels() { return channels; }
    public boolean isFloat() { return f32 != null; }
    public boolean hasAlpha() { return channels == 2 || channels == 4; }

    /** PIL's name for this channel layout: L, LA, RGB or RGBA. */
    public String mode() { return switch (channels) { case 1 -> "L"; case 2 -> "LA"; case 3 -> "RGB"; default -> "RGBA"; }; }

    /** Sample at channel {@code c}, row {@code y}, column {@code x}: 0..255 for 8-bit images, the 0..1-scale float times 255 otherwise. */
    public float get(int c, int y, int x) {
        int i = index(c, y, x);
        return u8 != null ? (u8[i] & 0xFF) : f32[i] * 255f;
    }

    private int index(int c, int y, int x) {
        if (c < 0 || c >= channels || y < 0 || y >= height || x < 0 || x >= width)
            throw new IndexOutOfBoundsException("(" + c + ", " + y + ", " + x + ") is outside " + width + "x" + height + "x" + channels);
        return (c * height + y) * width + x;
    }

    /** A copy of the 8-bit planes (rounded and clamped when this image is float). */
    public byte[] bytes() { return toBytes().u8.clone(); }

    /** A copy of the planes on the 0..1 scale. */
    public float[] floats() { return toFloats().f32.clone(); }

    byte[] u8() { return u8; }
    float[] f32() { return f32; }

    /**
     * This image as 8 bits per sample: {@code v * 255} clamped to 0..255 and rounded half to even,
     * as diffusers' {@code numpy_to_pil} does ({@code (images * 255).round().astype("uint8")}).
     */
    public Image toBytes() {
        if (u8 != null) return this;
        byte[] out = new byte[f32.length];
        for (int i = 0; i < out.length; i++) {
            float v = f32[i] * 255f;
            out[i] = (byte) (v != v ? 0 : (int) Math.rint(Math.min(255f, Math.max(0f, v))));
        }
        return new Image(width, height, channels, out, null);
    }

    /** This image as floats on the 0..1 scale ({@code v / 255}, in float arithmetic like torchvision's {@code ToTensor}). */
    public Image toFloats() {
        if (f32 != null) return this;
        float[] out = new float[u8.length];
        for (int i = 0; i < out.length; i++) out[i] = (u8[i] & 0xFF) / 255f;
        return new Image(width, height, channels, null, out);
    }

    static int clamp8(int v) { return v < 0 ? 0 : Math.min(v, 255); }

    /**
     * Three channels, as PIL's {@code convert("RGB")}: grey is replicated, alpha is dropped (not
     * composited over a background).
     */
    public Image toRgb() {
        if (channels == 3) return this;
        int plane = width * height;
        int[] src = switch (channels) { case 1, 2 -> new int[] {0, 0, 0}; default -> new int[] {0, 1, 2}; };
        if (u8 != null) {
            byte[] out = new byte[3 * plane];
            for (int c = 0; c < 3; c++) System.arraycopy(u8, src[c] * plane, out, c * plane, plane);
            return new Image(width, height, 3, out, null);
        }
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) System.arraycopy(f32, src[c] * plane, out, c * plane, plane);
        return new Image(width, height, 3, null, out);
    }

    /** The channels {@code [from, from+count)} as a new image (e.g. the alpha plane alone). */
    public Image channelRange(int from, int count) {
        if (from < 0 || count < 1 || from + count > channels) throw new IllegalArgumentException("channels [" + from + ", " + (from + count) + ") outside " + channels);
        int plane = width * height;
        if (u8 != null) return new Image(width, height, count, Arrays.copyOfRange(u8, from * plane, (from + count) * plane), null);
        return new Image(width, height, count, null, Arrays.copyOfRange(f32, from * plane, (from + count) * plane));
    }

    /** A (C, H, W) F32 host tensor on the 0..1 scale, as torchvision's {@code ToTensor} makes from a PIL image. */
    public Tensor toTensor() {
        return Tensor.fromFloats(toFloats().f32, channels, height, width);
    }

    /** Pixels {@code [left, left+w) x [top, top+h)}; the box must lie inside the image. */
    public Image crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || w <= 0 || h <= 0 || left + w > width || top + h > height)
            throw new IllegalArgumentException("crop box (" + left + ", " + top + ", " + w + "x" + h + ") is outside the " + width + "x" + height + " image");
        int plane = width * height, np = w * h;
        if (u8 != null) {
            byte[] out = new byte[channels * np];
            for (int c = 0; c < channels; c++) for (int y = 0; y < h; y++) System.arraycopy(u8, c * plane + (top + y) * width + left, out, c * np + y * w, w);
            return new Image(w, h, channels, out, null);
        }
        float[] out = new float[channels * np];
        for (int c = 0; c < channels; c++) for (int y = 0; y < h; y++) System.arraycopy(f32, c * plane + (top + y) * width + left, out, c * np + y * w, w);
        return new Image(w, h, channels, null, out);
    }

    /** An AWT image for ImageIO encoders: TYPE_BYTE_GRAY, TYPE_3BYTE_BGR or TYPE_4BYTE_ABGR (LA becomes RGBA). */
    public BufferedImage toBufferedImage() {
        Image b = toBytes();
        int plane = width * height;
        int type = channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : hasAlpha() ? BufferedImage.TYPE_4BYTE_ABGR : BufferedImage.TYPE_3BYTE_BGR;
        BufferedImage bi = new BufferedImage(width, height, type);
        var raster = bi.getRaster();
        int[] row = new int[width * raster.getNumBands()];
        int[] srcBand = switch (channels) { case 1 -> new int[] {0}; case 2 -> new int[] {0, 0, 0, 1}; case 3 -> new int[] {0, 1, 2}; default -> new int[] {0, 1, 2, 3}; };
        int bands = srcBand.length;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++)
                for (int k = 0; k < bands; k++) row[x * bands + k] = b.u8[srcBand[k] * plane + y * width + x] & 0xFF;
            raster.setPixels(0, y, width, 1, row);
        }
        return bi;
    }

    @Override public String toString() { return "Image(" + width + "x" + height + " " + mode() + (isFloat() ? " float" : " 8-bit") + ")"; }
}
