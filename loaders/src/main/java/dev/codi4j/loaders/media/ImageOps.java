package dev.codi4j.loaders.media;

import dev.codi4j.tensor.Tensor;

/**
 * Building blocks of vision preprocessing, each matching one Python step: shortest-side resize
 * (torchvision {@code Resize(int)} / transformers {@code shortest_edge}), center crop, ToTensor,
 * Normalize. {@link ClipImagePreprocess} chains them for CLIP and ImageBind.
 */
public final class ImageOps {
    private ImageOps() {}

    /** Which resampler a resize step uses; see {@link Resize}. */
    public enum Resampler {
        /** Pillow BICUBIC on the 8-bit image: what a torchvision transform applied to a PIL image, and transformers, run. */
        PIL_BICUBIC,
        /** torchvision tensor resize, BICUBIC, antialias=True (float). */
        TORCH_BICUBIC_ANTIALIAS,
        /** torch interpolate bicubic without antialias ({@code a = -0.75}). */
        TORCH_BICUBIC
    }

    /** How a center crop rounds an odd margin. */
    public enum CropRounding {
        /** torchvision {@code CenterCrop}: {@code int(round((H - h) / 2.0))}, Python's round half to even. */
        TORCHVISION,
        /** transformers {@code center_crop}: {@code (H - h) // 2}. */
        FLOOR
    }

    /**
     * Output {width, height} when the shorter side becomes {@code size} and the other keeps the
     * aspect ratio, truncated as torchvision and transformers do: {@code int(size * long / short)}.
     */
    public static int[] shortestSideSize(int width, int height, int size) {
        if (size <= 0) throw new IllegalArgumentException("size must be positive, got " + size);
        boolean wShort = width <= height;
        int s = wShort ? width : height, l = wShort ? height : width;
        int newLong = (int) ((double) ((long) size * l) / s);
        return wShort ? new int[] {size, newLong} : new int[] {newLong, size};
    }

    /** Resizes so that the shorter side is {@code size}; an image already that size is returned as is (as PIL does). */
    public static Image resizeShortestSide(Image img, int size, Resampler how) {
        int[] wh = shortestSideSize(img.width(), img.height(), size);
        return resize(img, wh[0], wh[1], how);
    }

    public static Image resize(Image img, int width, int height, Resampler how) {
        return switch (how) {
            case PIL_BICUBIC -> Resize.pil(img, width, height);
            case TORCH_BICUBIC_ANTIALIAS -> Resize.torchAntialias(img, width, height);
            case TORCH_BICUBIC -> Resize.torchBicubic(img, width, height);
        };
    }

    /**
     * The central {@code width x height} window. A side smaller than the crop is padded with zeros,
     * {@code (crop - size) / 2} (floored) of them before the image, as torchvision's
     * {@code center_crop} pads (after a shortest-side resize this never happens).
     */
    public static Image centerCrop(Image img, int width, int height, CropRounding rounding) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("crop size must be positive, got " + width + "x" + height);
        int top = offset(img.height(), height, rounding), left = offset(img.width(), width, rounding);
        if (top >= 0 && left >= 0 && left + width <= img.width() && top + height <= img.height()) return img.crop(left, top, width, height);
        int c = img.channels(), w0 = img.width(), h0 = img.height();
        if (img.isFloat()) {
            float[] in = img.f32(), out = new float[c * width * height];
            for (int p = 0; p < c; p++) for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) {
                int sy = y + top, sx = x + left;
                if (sy >= 0 && sy < h0 && sx >= 0 && sx < w0) out[(p * height + y) * width + x] = in[(p * h0 + sy) * w0 + sx];
            }
            return Image.wrapFloats(width, height, c, out);
        }
        byte[] in = img.u8(), out = new byte[c * width * height];
        for (int p = 0; p < c; p++) for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) {
            int sy = y + top, sx = x + left;
            if (sy >= 0 && sy < h0 && sx >= 0 && sx < w0) out[(p * height + y) * width + x] = in[(p * h0 + sy) * w0 + sx];
        }
        return Image.wrapBytes(width, height, c, out);
    }

    private static int offset(int size, int crop, CropRounding r) {
        int d = size - crop;
        if (d < 0) return -((crop - size) / 2);
        if (r == CropRounding.FLOOR) return Math.floorDiv(d, 2);
        return (int) Math.rint(d / 2.0);
    }

    /** torchvision {@code ToTensor}: (C, H, W) F32, 8-bit samples divided by 255 in float. */
    public static Tensor toTensor(Image img) { return img.toTensor(); }

    /** {@code (x - mean[c]) / std[c]} per channel of a (C, H, W) F32 tensor, in float as torchvision's {@code Normalize}; returns a new tensor. */
    public static Tensor normalize(Tensor chw, float[] mean, float[] std) {
        int[] s = chw.shape();
        if (s.length != 3 || s[0] != mean.length || s[0] != std.length)
            throw new IllegalArgumentException("normalize expects a (C, H, W) tensor with C = " + mean.length + " = mean/std length, got " + chw.describe());
        float[] v = chw.toFloatArray();
        int plane = s[1] * s[2];
        for (int c = 0; c < s[0]; c++) {
            float m = mean[c], d = std[c];
            for (int i = c * plane; i < (c + 1) * plane; i++) v[i] = (v[i] - m) / d;
        }
        return Tensor.fromFloats(v, s);
    }
}
