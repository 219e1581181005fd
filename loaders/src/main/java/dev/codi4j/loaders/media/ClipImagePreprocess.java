package dev.codi4j.loaders.media;

import dev.codi4j.tensor.Tensor;

/**
 * CLIP-style image preprocessing to a (3, size, size) F32 tensor, in two flavours that differ only
 * in details that matter for bit-level parity:
 *
 * <ul>
 *   <li>{@link #imageBind()} — ImageBind's {@code load_and_transform_vision_data}:
 *       {@code Image.open(p).convert("RGB")}, torchvision {@code Resize(224, BICUBIC)} applied to
 *       the PIL image (so Pillow's resampler), {@code CenterCrop(224)} (round-half-even margin),
 *       {@code ToTensor}, {@code Normalize(CLIP mean, std)}.</li>
 *   <li>{@link #clipImageProcessor()} — transformers' {@code CLIPImageProcessor} as configured in
 *       diffusers' {@code feature_extractor/} (and SD 2.1-unCLIP's image encoder): shortest edge 224
 *       with PIL bicubic, center crop 224 (floor margin), rescale by 1/255 (computed in double,
 *       stored as float), normalize.</li>
 * </ul>
 * Neither applies EXIF orientation by itself: ImageBind opens files with plain {@code Image.open};
 * read with {@link Images#read(java.nio.file.Path, MediaLimits, boolean)} to choose.
 */
public final class ClipImagePreprocess {
    /** OpenAI CLIP's per-channel mean, used by CLIP, OpenCLIP and ImageBind. */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** OpenAI CLIP's per-channel standard deviation. */
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;
    private final ImageOps.CropRounding rounding;
    private final boolean rescaleInDouble;
    private final float[] mean, std;

    private ClipImagePreprocess(int size, ImageOps.CropRounding rounding, boolean rescaleInDouble, float[] mean, float[] std) {
        this.size = size;
        this.rounding = rounding;
        this.rescaleInDouble = rescaleInDouble;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** ImageBind / torchvision pipeline at 224. */
    public static ClipImagePreprocess imageBind() { return new ClipImagePreprocess(224, ImageOps.CropRounding.TORCHVISION, false, CLIP_MEAN, CLIP_STD); }

    /** transformers CLIPImageProcessor pipeline at 224. */
    public static ClipImagePreprocess clipImageProcessor() { return new ClipImagePreprocess(224, ImageOps.CropRounding.FLOOR, true, CLIP_MEAN, CLIP_STD); }

    /** The same steps with another size or statistics (e.g. 336 px CLIP). */
    public static ClipImagePreprocess custom(int size, ImageOps.CropRounding rounding, float[] mean, float[] std) {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 entries (RGB)");
        return new ClipImagePreprocess(size, rounding, rounding == ImageOps.CropRounding.FLOOR, mean, std);
    }

    public int size() { return size; }

    /** The 8-bit RGB image after resize and crop, before the float steps. */
    public Image resizeAndCrop(Image img) {
        Image rgb = img.toRgb().toBytes();
        Image resized = ImageOps.resizeShortestSide(rgb, size, ImageOps.Resampler.PIL_BICUBIC);
        return ImageOps.centerCrop(resized, size, size, rounding);
    }

    /** (3, size, size) F32, normalised. */
    public Tensor apply(Image img) {
        Image crop = resizeAndCrop(img);
        byte[] u = crop.u8();
        float[] v = new float[u.length];
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            float m = mean[c], d = std[c];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                int b = u[i] & 0xFF;
                float x = rescaleInDouble ? (float) (b * (1.0 / 255.0)) : b / 255f;
                v[i] = (x - m) / d;
            }
        }
        return Tensor.fromFloats(v, 3, size, size);
    }
}
