package dev.codi4j.loaders.media;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads and writes still images: PNG (1..16-bit, grey, palette, alpha), JPEG (baseline,
 * progressive, grey, CMYK/YCCK, EXIF orientation), BMP, GIF (first frame) and WebP (lossy,
 * lossless, alpha) in; PNG (with text metadata) and JPEG out.
 *
 * <p>Decoding follows what PIL users get from {@code ImageOps.exif_transpose(Image.open(p))}:
 * <ul>
 *   <li>EXIF orientation is applied (JPEG, PNG eXIf, WebP EXIF), as PIL's {@code exif_transpose}.</li>
 *   <li>Palette images are expanded to RGB (RGBA when the palette has transparency).</li>
 *   <li>16-bit samples keep their high byte ({@code v >> 8}), as PIL does for 16-bit RGB(A) PNG.
 *       PIL 9 opens 16-bit grey PNG as mode "I" and its {@code convert("RGB")} clips at 255;
 *       we take the high byte there as well, which keeps the picture (documented divergence).</li>
 *   <li>4-channel (CMYK/YCCK) JPEGs are read as Adobe-inverted CMYK and converted with PIL's
 *       formula ({@code nk = 255 - K; R = nk - C * nk / 255}), not through an ICC profile, so
 *       tensors match PIL.</li>
 * </ul>
 * Embedded ICC profiles of RGB images are not applied (PIL does not apply them either).
 *
 * <p>Sizes are checked against {@link MediaLimits} before any pixel is decoded.
 */
public final class Images {
    private static final Logger LOG = LoggerFactory.getLogger(Images.class);

    static { ImageIO.setUseCache(false); }   // decode from memory; no temp files for hostile inputs

    private Images() {}

    /** Decodes {@code path} with the default limits; orientation applied, channels as stored (L, LA, RGB or RGBA). */
    public static Image read(Path path) { return read(path, MediaLimits.defaults()); }

    public static Image read(Path path, MediaLimits limits) { return read(path, limits, true); }

    /**
     * Decodes {@code path}; {@code applyExifOrientation} false gives what plain {@code Image.open}
     * gives (ImageBind's loader), true what {@code ImageOps.exif_transpose} gives (diffusers' and
     * transformers' {@code load_image}).
     */
    public static Image read(Path path, MediaLimits limits, boolean applyExifOrientation) {
        return decode(limits.readFile(path), path.toString(), limits, applyExifOrientation);
    }

    /** {@link #read(Path)} then {@link Image#toRgb()}: what {@code Image.open(p).convert("RGB")} gives after {@code exif_transpose}. */
    public static Image readRgb(Path path) { return read(path).toRgb(); }

    /** Decodes an encoded image held in memory; {@code source} names it in error messages. */
    public static Image decode(byte[] data, String source) { return decode(data, source, MediaLimits.defaults()); }

    public static Image decode(byte[] data, String source, MediaLimits limits) { return decode(data, source, limits, true); }

    public static Image decode(byte[] data, String source, MediaLimits limits, boolean applyExifOrientation) {
        ImageFormat fmt = ImageFormat.sniff(data);
        if (fmt == null)
            throw new MediaException(source, "not a PNG, JPEG, BMP, GIF or WebP file (starts with " + hexPrefix(data) + ")",
                    "convert it to one of those formats, or check that the file is not truncated or mislabelled");
        Image img;
        try {
            long[] dims = ImageHeader.dimensions(fmt, data);
            if (dims != null) limits.checkPixelsUpper(source, dims[0], dims[1]);
            if (fmt == ImageFormat.PNG) PngChunks.check(data, source, limits);
            img = decodeWith(fmt, data, source, limits);
        } catch (MediaException e) {
            throw e;
        } catch (IOException | RuntimeException | StackOverflowError e) {
            // third-party decoders throw anything from IIOException to ArrayIndexOutOfBounds on corrupt data
            throw new MediaException(source, "corrupt or unsupported " + fmt + " data (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
                    "re-export the image with a standard encoder; the file may be truncated", e);
        }
        if (!applyExifOrientation) return img;
        int o = Exif.orientation(data);
        if (o != 1) LOG.debug("{}: applying EXIF orientation {}", source, o);
        return Exif.apply(img, o);
    }

    private static Image decodeWith(ImageFormat fmt, byte[] data, String source, MediaLimits limits) throws IOException {
        ImageReader reader = readerFor(fmt, source);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            int w = reader.getWidth(0), h = reader.getHeight(0);
            limits.checkPixels(source, w, h);
            if (fmt == ImageFormat.JPEG && JpegInfo.components(data) == 4) return cmykToRgb(reader.readRaster(0, null), source);
            BufferedImage bi = reader.read(0);
            return fromBufferedImage(bi, source);
        } finally {
            reader.dispose();
        }
    }

    private static ImageReader readerFor(ImageFormat fmt, String source) {
        String name = switch (fmt) { case PNG -> "png"; case JPEG -> "jpeg"; case BMP -> "bmp"; case GIF -> "gif"; case WEBP -> "webp"; };
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name);
        ImageReader chosen = null;
        while (it.hasNext()) {
            ImageReader r = it.next();
            // TwelveMonkeys' JPEG reader handles CMYK/YCCK and broken markers better than the JDK's
            if (chosen == null || r.getClass().getName().startsWith("com.twelvemonkeys")) chosen = r;
        }
        if (chosen == null)
            throw new MediaException(source, "no ImageIO reader for " + fmt + " on the class path",
                    "add com.twelvemonkeys.imageio:imageio-webp / imageio-jpeg to the class path");
        return chosen;
    }

    /** Converts an AWT image to planar 8-bit samples without colour management, as PIL does. */
    static Image fromBufferedImage(BufferedImage bi, String source) {
        int w = bi.getWidth(), h = bi.getHeight(), plane = w * h;
        ColorModel cm = bi.getColorModel();
        Raster r = bi.getRaster();
        if (cm instanceof IndexColorModel icm) {
            boolean alpha = icm.hasAlpha() || icm.getTransparentPixel() >= 0;
            int c = alpha ? 4 : 3;
            byte[] out = new byte[c * plane];
            int[] row = new int[w];
            int size = icm.getMapSize();
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int i = row[x], p = y * w + x;
                    if (i < 0 || i >= size) i = 0;     // index beyond the palette: PIL shows entry 0 (black) as well
                    out[p] = (byte) icm.getRed(i);
                    out[plane + p] = (byte) icm.getGreen(i);
                    out[2 * plane + p] = (byte) icm.getBlue(i);
                    if (alpha) out[3 * plane + p] = (byte) icm.getAlpha(i);
                }
            }
            return Image.wrapBytes(w, h, c, out);
        }
        int csType = cm.getColorSpace().getType();
        if (cm instanceof ComponentColorModel && (csType == ColorSpace.TYPE_GRAY || csType == ColorSpace.TYPE_RGB)) {
            int bands = r.getNumBands();
            int expect = (csType == ColorSpace.TYPE_GRAY ? 1 : 3) + (cm.hasAlpha() ? 1 : 0);
            if (bands == expect && bands <= 4) {
                int bits = cm.getComponentSize(0);
                int transfer = r.getTransferType();
                byte[] out = new byte[bands * plane];
                int[] row = new int[w];
                for (int b = 0; b < bands; b++) {
                    for (int y = 0; y < h; y++) {
                        r.getSamples(0, y, w, 1, b, row);
                        int base = b * plane + y * w;
                        for (int x = 0; x < w; x++) out[base + x] = (byte) to8(row[x], bits, transfer);
                    }
                }
                return Image.wrapBytes(w, h, bands, out);
            }
        }
        // packed RGB (BMP, WebP) and anything else: through sRGB ARGB
        boolean alpha = cm.hasAlpha();
        int c = alpha ? 4 : 3;
        byte[] out = new byte[c * plane];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            bi.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x], p = y * w + x;
                out[p] = (byte) (argb >> 16);
                out[plane + p] = (byte) (argb >> 8);
                out[2 * plane + p] = (byte) argb;
                if (alpha) out[3 * plane + p] = (byte) (argb >>> 24);
            }
        }
        return Image.wrapBytes(w, h, c, out);
    }

    private static int to8(int v, int bits, int transfer) {
        if (bits == 8) return v & 0xFF;
        if (bits == 16 || transfer == DataBuffer.TYPE_USHORT) return (v >> 8) & 0xFF;     // high byte, as PIL's "RGB;16B"
        if (bits < 8) return v * 255 / ((1 << bits) - 1);                                  // 1/2/4-bit grey scaled, as PIL's "L;2"/"L;4"
        return (v >> (bits - 8)) & 0xFF;
    }

    /**
     * PIL opens every 4-component JPEG as Adobe-inverted CMYK ("CMYK;I") and converts to RGB with
     * {@code nk = 255 - K; R = nk - C*nk/255} (rounded as its MULDIV255), with no colour profile.
     * The raster holds the decoded components (libjpeg-style YCCK to CMYK already done).
     */
    private static Image cmykToRgb(Raster r, String source) {
        if (r.getNumBands() != 4) throw new MediaException(source, "JPEG declares 4 components but decodes to " + r.getNumBands(), "re-export it as RGB");
        int w = r.getWidth(), h = r.getHeight(), plane = w * h;
        byte[] out = new byte[3 * plane];
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int c = 255 - (px[4 * x] & 0xFF), m = 255 - (px[4 * x + 1] & 0xFF), yy = 255 - (px[4 * x + 2] & 0xFF), k = 255 - (px[4 * x + 3] & 0xFF);
                int nk = 255 - k, p = y * w + x;
                out[p] = (byte) clip8(nk - muldiv255(c, nk));
                out[plane + p] = (byte) clip8(nk - muldiv255(m, nk));
                out[2 * plane + p] = (byte) clip8(nk - muldiv255(yy, nk));
            }
        }
        return Image.wrapBytes(w, h, 3, out);
    }

    private static int muldiv255(int a, int b) { int t = a * b + 128; return ((t >> 8) + t) >> 8; }
    private static int clip8(int v) { return v < 0 ? 0 : Math.min(v, 255); }

    static String hexPrefix(byte[] d) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, d.length); i++) sb.append(String.format("%02x", d[i] & 0xFF));
        return d.length == 0 ? "nothing: the file is empty" : sb.toString();
    }

    // ---- writing ---------------------------------------------------------------------------

    /** Writes an 8-bit PNG (float images are rounded, see {@link Image#toBytes()}) atomically. */
    public static void writePng(Image img, Path path) { writePng(img, path, Map.of()); }

    /**
     * Writes an 8-bit PNG with {@code text} as key/value text chunks (tEXt when the value is
     * Latin-1, iTXt UTF-8 otherwise), readable as PIL's {@code Image.open(p).text}. Keys must be
     * 1..79 Latin-1 characters without NUL (the PNG rule). The file appears only when complete.
     */
    public static void writePng(Image img, Path path, Map<String, String> text) {
        byte[] png = PngEncoder.encode(img, text, path.toString());
        AtomicFiles.write(path, out -> out.write(png));
    }

    /** PNG bytes, for callers that send the image elsewhere than a file. */
    public static byte[] encodePng(Image img, Map<String, String> text) { return PngEncoder.encode(img, text, "PNG"); }

    /**
     * Writes a baseline JPEG with quality 1..100 (PIL's scale; PIL's default is 75) and 4:2:0
     * chroma subsampling (PIL's default). Only L and RGB can be stored: JPEG has no alpha, and like
     * PIL we refuse RGBA/LA instead of silently dropping it (call {@link Image#toRgb()} first).
     */
    public static void writeJpeg(Image img, Path path, int quality) {
        byte[] jpg = encodeJpeg(img, quality, path.toString());
        AtomicFiles.write(path, out -> out.write(jpg));
    }

    public static byte[] encodeJpeg(Image img, int quality, String target) {
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("JPEG quality must be 1..100, got " + quality);
        if (img.hasAlpha())
            throw new MediaException(target, "cannot write mode " + img.mode() + " as JPEG (JPEG has no alpha channel)", "call image.toRgb() to drop alpha, or write PNG");
        ImageWriter writer = null;
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        while (it.hasNext()) {
            ImageWriter w = it.next();
            // the JDK writer: TwelveMonkeys' delegates to it anyway
            if (writer == null || w.getClass().getName().startsWith("com.sun")) writer = w;
        }
        if (writer == null) throw new MediaException(target, "no JPEG writer available", "use a JDK with the javax.imageio JPEG plugin");
        try (var bytes = new java.io.ByteArrayOutputStream(); var out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(img.toBufferedImage(), null, null), p);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new MediaException(target, "JPEG encoding failed (" + e.getMessage() + ")", "check the image", e);
        } finally {
            writer.dispose();
        }
    }
}
