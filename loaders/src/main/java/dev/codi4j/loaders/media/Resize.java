package dev.codi4j.loaders.media;

/**
 * Image resampling with the exact arithmetic of the two implementations that CLIP-family
 * preprocessing uses, so that tensors match the Python pipelines:
 *
 * <ul>
 *   <li>{@link #pil} — PIL's {@code Image.resize(size, BICUBIC)} (Pillow's Resample.c): a
 *       convolution with Keys' cubic, {@code a = -0.5}, whose support is widened by the scale
 *       factor when downscaling (antialiasing); two separable passes, horizontal then vertical,
 *       each skipped when that axis keeps its size. 8-bit images use Pillow's 22-bit fixed-point
 *       weights and round/clip to 8 bits between the passes; RGBA/LA are resized premultiplied
 *       (Pillow converts to "RGBa"/"La" and back). Float images follow Pillow's mode "F" (double
 *       accumulation). This is what ImageBind ({@code transforms.Resize(224, BICUBIC)} on a PIL
 *       image) and diffusers' {@code CLIPImageProcessor} (PIL resize) run.</li>
 *   <li>{@link #torchAntialias} — torchvision's tensor {@code resize(..., BICUBIC, antialias=True)},
 *       i.e. ATen's {@code _upsample_bicubic2d_aa}: the same filter and support rule as Pillow
 *       (measured on torch 1.13: it uses {@code a = -0.5}, matching PIL to 6e-7, not -0.75), in float
 *       arithmetic without intermediate rounding.</li>
 *   <li>{@link #torchBicubic} — {@code F.interpolate(mode="bicubic", align_corners=False)} without
 *       antialiasing: a fixed 4-tap cubic with {@code a = -0.75}, borders clamped.</li>
 * </ul>
 */
public final class Resize {
    private Resize() {}

    /** Resampling kernels of Pillow's Resample.c; BICUBIC is the one CLIP and ImageBind use. */
    public enum Filter {
        BILINEAR(1.0), BICUBIC(2.0);
        final double support;
        Filter(double support) { this.support = support; }

        double weight(double x) {
            if (x < 0) x = -x;
            return switch (this) {
                case BILINEAR -> x < 1 ? 1 - x : 0;
                case BICUBIC -> cubic(x, -0.5);
            };
        }
    }

    static double cubic(double x, double a) {
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    private static final int PRECISION_BITS = 32 - 8 - 2;

    /** Per-output-pixel source window and normalised weights (Pillow's precompute_coeffs). */
    record Coeffs(int ksize, int[] bounds, double[] k) {}

    static Coeffs coeffs(int inSize, int outSize, Filter f) {
        double scale = (double) inSize / outSize;
        double filterscale = Math.max(scale, 1.0);
        double support = f.support * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        double[] kk = new double[outSize * ksize];
        int[] bounds = new int[outSize * 2];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterscale, ww = 0.0;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = inSize;
            xmax -= xmin;
            int base = xx * ksize;
            for (int x = 0; x < xmax; x++) {
                double w = f.weight((x + xmin - center + 0.5) * ss);
                kk[base + x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) if (ww != 0.0) kk[base + x] /= ww;
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return new Coeffs(ksize, bounds, kk);
    }

    private static int[] fixedPoint(double[] k) {
        int[] out = new int[k.length];
        for (int i = 0; i < k.length; i++) out[i] = (int) (k[i] < 0 ? -0.5 + k[i] * (1 << PRECISION_BITS) : 0.5 + k[i] * (1 << PRECISION_BITS));
        return out;
    }

    private static int clip8(int in) {
        if (in >= (1 << PRECISION_BITS << 8)) return 255;
        if (in <= 0) return 0;
        return in >> PRECISION_BITS;
    }

    /** PIL {@code Image.resize((width, height), BICUBIC)}. */
    public static Image pil(Image img, int width, int height) { return pil(img, width, height, Filter.BICUBIC); }

    /** PIL {@code Image.resize((width, height), filter)} for BILINEAR or BICUBIC. */
    public static Image pil(Image img, int width, int height, Filter filter) {
        checkSize(width, height);
        if (width == img.width() && height == img.height()) return img;
        if (img.isFloat()) return pilFloat(img, width, height, filter);
        boolean alpha = img.hasAlpha();
        byte[] src = alpha ? premultiply(img) : img.u8();
        int c = img.channels(), w0 = img.width(), h0 = img.height();
        Coeffs ch = coeffs(w0, width, filter), cv = coeffs(h0, height, filter);
        boolean needH = width != w0, needV = height != h0;
        byte[] cur = src;
        int curW = w0, curH = h0;
        int[] vb = cv.bounds.clone();
        if (needH) {
            // only the rows the vertical pass will read, as Pillow does
            int first = vb[0], last = vb[2 * height - 2] + vb[2 * height - 1];
            if (!needV) { first = 0; last = h0; }
            else for (int i = 0; i < height; i++) vb[2 * i] -= first;
            int rows = last - first;
            int[] k = fixedPoint(ch.k);
            byte[] out = new byte[c * rows * width];
            for (int p = 0; p < c; p++) {
                int inBase = p * h0 * w0, outBase = p * rows * width;
                for (int y = 0; y < rows; y++) {
                    int row = inBase + (y + first) * w0;
                    for (int xx = 0; xx < width; xx++) {
                        int xmin = ch.bounds[2 * xx], xmax = ch.bounds[2 * xx + 1], kb = xx * ch.ksize;
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < xmax; x++) ss += (src[row + xmin + x] & 0xFF) * k[kb + x];
                        out[outBase + y * width + xx] = (byte) clip8(ss);
                    }
                }
            }
            cur = out; curW = width; curH = rows;
        }
        if (needV) {
            int[] k = fixedPoint(cv.k);
            byte[] out = new byte[c * height * curW];
            for (int p = 0; p < c; p++) {
                int inBase = p * curH * curW, outBase = p * height * curW;
                for (int yy = 0; yy < height; yy++) {
                    int ymin = vb[2 * yy], ymax = vb[2 * yy + 1], kb = yy * cv.ksize;
                    for (int xx = 0; xx < curW; xx++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int y = 0; y < ymax; y++) ss += (cur[inBase + (y + ymin) * curW + xx] & 0xFF) * k[kb + y];
                        out[outBase + yy * curW + xx] = (byte) clip8(ss);
                    }
                }
            }
            cur = out;
        }
        if (alpha) unpremultiply(cur, c, width * height);
        return Image.wrapBytes(width, height, c, cur);
    }

    /** Pillow's rgba2rgbA / LA2La: colour times alpha, rounded as its MULDIV255. */
    private static byte[] premultiply(Image img) {
        byte[] u = img.u8().clone();
        int c = img.channels(), plane = img.width() * img.height(), a = (c - 1) * plane;
        for (int ch = 0; ch < c - 1; ch++)
            for (int i = 0; i < plane; i++) {
                int t = (u[ch * plane + i] & 0xFF) * (u[a + i] & 0xFF) + 128;
                u[ch * plane + i] = (byte) (((t >> 8) + t) >> 8);
            }
        return u;
    }

    /** Pillow's rgbA2rgba / La2LA: colour times 255 / alpha, truncated and clipped; alpha 0 or 255 passes through. */
    private static void unpremultiply(byte[] u, int c, int plane) {
        int a = (c - 1) * plane;
        for (int i = 0; i < plane; i++) {
            int al = u[a + i] & 0xFF;
            if (al == 0 || al == 255) continue;
            for (int ch = 0; ch < c - 1; ch++) u[ch * plane + i] = (byte) Math.min(255, 255 * (u[ch * plane + i] & 0xFF) / al);
        }
    }

    private static Image pilFloat(Image img, int width, int height, Filter filter) {
        int c = img.channels(), w0 = img.width(), h0 = img.height();
        float[] cur = img.f32();
        int curW = w0, curH = h0;
        Coeffs ch = coeffs(w0, width, filter), cv = coeffs(h0, height, filter);
        boolean needH = width != w0, needV = height != h0;
        int[] vb = cv.bounds.clone();
        if (needH) {
            int first = needV ? vb[0] : 0, last = needV ? vb[2 * height - 2] + vb[2 * height - 1] : h0;
            if (needV) for (int i = 0; i < height; i++) vb[2 * i] -= first;
            int rows = last - first;
            float[] out = new float[c * rows * width];
            for (int p = 0; p < c; p++)
                for (int y = 0; y < rows; y++) {
                    int row = p * h0 * w0 + (y + first) * w0;
                    for (int xx = 0; xx < width; xx++) {
                        int xmin = ch.bounds[2 * xx], xmax = ch.bounds[2 * xx + 1], kb = xx * ch.ksize;
                        double ss = 0;
                        for (int x = 0; x < xmax; x++) ss += cur[row + xmin + x] * ch.k[kb + x];
                        out[p * rows * width + y * width + xx] = (float) ss;
                    }
                }
            cur = out; curW = width; curH = rows;
        }
        if (needV) {
            float[] out = new float[c * height * curW];
            for (int p = 0; p < c; p++)
                for (int yy = 0; yy < height; yy++) {
                    int ymin = vb[2 * yy], ymax = vb[2 * yy + 1], kb = yy * cv.ksize;
                    for (int xx = 0; xx < curW; xx++) {
                        double ss = 0;
                        for (int y = 0; y < ymax; y++) ss += cur[p * curH * curW + (y + ymin) * curW + xx] * cv.k[kb + y];
                        out[p * height * curW + yy * curW + xx] = (float) ss;
                    }
                }
            cur = out;
        }
        return Image.wrapFloats(width, height, c, cur);
    }

    // ---- torchvision / ATen ----------------------------------------------------------------

    /**
     * torchvision {@code F.resize(tensor, [height, width], BICUBIC, antialias=True)}. Works in
     * float; an 8-bit input comes back 8-bit, rounded half to even and clamped as torchvision does
     * for uint8 tensors, a float input stays float.
     */
    public static Image torchAntialias(Image img, int width, int height) {
        checkSize(width, height);
        int c = img.channels(), w0 = img.width(), h0 = img.height();
        float[] src = rawFloats(img);
        // ATen computes the weights in the tensor's own dtype (float here)
        float[][] wx = aaWeights(w0, width), wy = aaWeights(h0, height);
        int[] bx = aaBounds(w0, width), by = aaBounds(h0, height);
        float[] tmp = new float[c * h0 * width];
        for (int p = 0; p < c; p++)
            for (int y = 0; y < h0; y++)
                for (int xx = 0; xx < width; xx++) {
                    int xmin = bx[2 * xx], n = bx[2 * xx + 1], row = p * h0 * w0 + y * w0 + xmin;
                    float t = src[row] * wx[xx][0];
                    for (int j = 1; j < n; j++) t += src[row + j] * wx[xx][j];
                    tmp[p * h0 * width + y * width + xx] = t;
                }
        float[] out = new float[c * height * width];
        for (int p = 0; p < c; p++)
            for (int yy = 0; yy < height; yy++) {
                int ymin = by[2 * yy], n = by[2 * yy + 1];
                for (int xx = 0; xx < width; xx++) {
                    int base = p * h0 * width + ymin * width + xx;
                    float t = tmp[base] * wy[yy][0];
                    for (int j = 1; j < n; j++) t += tmp[base + j * width] * wy[yy][j];
                    out[p * height * width + yy * width + xx] = t;
                }
            }
        return img.isFloat() ? Image.wrapFloats(width, height, c, out) : roundToBytes(width, height, c, out);
    }

    private static float aaScale(int in, int out) { return (float) in / (float) out; }

    private static int[] aaBounds(int in, int out) {
        float scale = aaScale(in, out);
        float support = scale >= 1f ? 2f * scale : 2f;
        int[] b = new int[2 * out];
        for (int i = 0; i < out; i++) {
            float center = scale * (i + 0.5f);
            int xmin = Math.max((int) (center - support + 0.5f), 0);
            int xsize = Math.min((int) (center + support + 0.5f), in) - xmin;
            b[2 * i] = xmin;
            b[2 * i + 1] = xsize;
        }
        return b;
    }

    private static float[][] aaWeights(int in, int out) {
        float scale = aaScale(in, out);
        float support = scale >= 1f ? 2f * scale : 2f;
        float invscale = scale >= 1f ? 1f / scale : 1f;
        float[][] w = new float[out][];
        for (int i = 0; i < out; i++) {
            float center = scale * (i + 0.5f);
            int xmin = Math.max((int) (center - support + 0.5f), 0);
            int xsize = Math.min((int) (center + support + 0.5f), in) - xmin;
            float[] k = new float[Math.max(xsize, 1)];
            float total = 0f;
            for (int j = 0; j < xsize; j++) {
                float x = Math.abs((j + xmin - center + 0.5f) * invscale);
                float v = (float) cubic(x, -0.5);
                k[j] = v;
                total += v;
            }
            if (total != 0f) for (int j = 0; j < xsize; j++) k[j] /= total;
            w[i] = k;
        }
        return w;
    }

    /**
     * {@code torch.nn.functional.interpolate(x, size=(height, width), mode="bicubic",
     * align_corners=False)}: torchvision's {@code resize(..., antialias=False)}. Float arithmetic,
     * {@code a = -0.75}, sample positions {@code (i + 0.5) * in/out - 0.5}, borders clamped.
     */
    public static Image torchBicubic(Image img, int width, int height) {
        checkSize(width, height);
        int c = img.channels(), w0 = img.width(), h0 = img.height();
        float[] src = rawFloats(img), out = new float[c * width * height];
        float sx = (float) w0 / width, sy = (float) h0 / height;
        for (int yy = 0; yy < height; yy++) {
            float ry = sy * (yy + 0.5f) - 0.5f;
            int iy = (int) Math.floor(ry);
            float ty = ry - iy;
            float[] wy = cubicTaps(ty);
            for (int xx = 0; xx < width; xx++) {
                float rx = sx * (xx + 0.5f) - 0.5f;
                int ix = (int) Math.floor(rx);
                float tx = rx - ix;
                float[] wx = cubicTaps(tx);
                for (int p = 0; p < c; p++) {
                    int base = p * h0 * w0;
                    float[] rows = new float[4];
                    for (int k = 0; k < 4; k++) {
                        int y = Math.min(Math.max(iy - 1 + k, 0), h0 - 1);
                        int r = base + y * w0;
                        rows[k] = src[r + clampIdx(ix - 1, w0)] * wx[0] + src[r + clampIdx(ix, w0)] * wx[1] + src[r + clampIdx(ix + 1, w0)] * wx[2] + src[r + clampIdx(ix + 2, w0)] * wx[3];
                    }
                    out[p * width * height + yy * width + xx] = rows[0] * wy[0] + rows[1] * wy[1] + rows[2] * wy[2] + rows[3] * wy[3];
                }
            }
        }
        return img.isFloat() ? Image.wrapFloats(width, height, c, out) : roundToBytes(width, height, c, out);
    }

    private static int clampIdx(int i, int n) { return Math.min(Math.max(i, 0), n - 1); }

    private static float[] cubicTaps(float t) {
        float a = -0.75f;
        return new float[] {cc2(t + 1f, a), cc1(t, a), cc1(1f - t, a), cc2(2f - t, a)};
    }

    private static float cc1(float x, float a) { return ((a + 2) * x - (a + 3)) * x * x + 1; }
    private static float cc2(float x, float a) { return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; }

    /** Samples as torch sees them: 0..255 floats for 8-bit images (a uint8 tensor cast to float), the stored floats otherwise. */
    private static float[] rawFloats(Image img) {
        if (img.isFloat()) return img.f32();
        byte[] u = img.u8();
        float[] f = new float[u.length];
        for (int i = 0; i < u.length; i++) f[i] = u[i] & 0xFF;
        return f;
    }

    /** torchvision's uint8 epilogue: clamp to 0..255, round half to even, cast. */
    private static Image roundToBytes(int w, int h, int c, float[] v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) (int) Math.rint(Math.min(255f, Math.max(0f, v[i])));
        return Image.wrapBytes(w, h, c, out);
    }

    private static void checkSize(int w, int h) {
        if (w <= 0 || h <= 0) throw new IllegalArgumentException("target size must be positive, got " + w + "x" + h);
    }
}
