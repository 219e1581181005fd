package dev.codi4j.loaders.media;

import org.w3c.dom.Node;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Animated GIF output through the JDK's ImageIO GIF writer: one frame per video frame, a delay of
 * {@code round(100 / fps)} hundredths of a second (GIF's unit; at least 1), looping forever by
 * default (NETSCAPE2.0 extension), disposal "none". Colours are reduced to a 256-entry palette per
 * frame by ImageIO's palette builder; alpha is dropped.
 */
public final class Gif {
    private Gif() {}

    /** Writes {@code v} as an animated GIF that loops forever. */
    public static void write(Video v, Path path) { write(v, path, 0); }

    /** {@code loops} 0 means forever, otherwise the number of repetitions (as PIL's {@code loop=}). */
    public static void write(Video v, Path path, int loops) {
        byte[] gif = encode(v, loops, path.toString());
        AtomicFiles.write(path, out -> out.write(gif));
    }

    public static byte[] encode(Video v, int loops, String target) {
        if (loops < 0 || loops > 65535) throw new IllegalArgumentException("loops must be 0 (forever) .. 65535, got " + loops);
        int delay = (int) Math.max(1, Math.min(65535, Math.round(100.0 / v.fps())));
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        try (var bytes = new ByteArrayOutputStream(); var out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (Image f : v.frames()) {
                BufferedImage bi = f.toRgb().toBufferedImage();
                IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(bi), null);
                String fmt = meta.getNativeMetadataFormatName();
                IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(fmt);
                IIOMetadataNode gce = child(root, "GraphicControlExtension");
                gce.setAttribute("disposalMethod", "none");
                gce.setAttribute("userInputFlag", "FALSE");
                gce.setAttribute("transparentColorFlag", "FALSE");
                gce.setAttribute("delayTime", Integer.toString(delay));
                gce.setAttribute("transparentColorIndex", "0");
                IIOMetadataNode apps = child(root, "ApplicationExtensions");
                IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
                app.setAttribute("applicationID", "NETSCAPE");
                app.setAttribute("authenticationCode", "2.0");
                app.setUserObject(new byte[] {1, (byte) (loops & 0xFF), (byte) (loops >> 8)});
                apps.appendChild(app);
                meta.setFromTree(fmt, root);
                writer.writeToSequence(new IIOImage(bi, null, meta), null);
            }
            writer.endWriteSequence();
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new MediaException(target, "GIF encoding failed (" + e.getMessage() + ")", "check the frames", e);
        } finally {
            writer.dispose();
        }
    }

    private static IIOMetadataNode child(IIOMetadataNode root, String name) {
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling())
            if (n.getNodeName().equalsIgnoreCase(name)) return (IIOMetadataNode) n;
        IIOMetadataNode n = new IIOMetadataNode(name);
        root.appendChild(n);
        return n;
    }
}
