package dev.codi4j.models.codi2;

import dev.codi4j.loaders.media.Image;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.models.codi2.spi.ImageRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A picture CoDi-2 painted, with what it was painted from. Immutable.
 *
 * @param image the RGB pixels
 * @param index 1-based number of the image in its conversation
 * @param request the decoder request (embedding, seed, steps, guidance, ...)
 * @param editedFrom the label of the input image it edits, or null when painted from scratch
 * @param prompt the readable form of the turn's prompt
 * @param source "output feature N" (LLM mode) or "imagebind-direct"
 */
public record GeneratedImage(Image image, int index, ImageRequest request, String editedFrom, String prompt, String source) {

    /** The picture as an input for a later turn ("generated image N"). */
    public Media.Image asMedia() { return Media.Image.of(image, "generated image " + index); }

    public long seed() { return request.seed(); }

    /** The PNG text chunks written by {@link #save}: prompt, seed and decoder settings. */
    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Software", "codi4j (CoDi-2 in Java)");
        m.put("Prompt", prompt);
        m.put("Seed", Long.toString(request.seed()));
        m.put("Source", source);
        m.put("Steps", Integer.toString(request.steps()));
        m.put("Guidance", String.format(Locale.ROOT, "%.3g", request.guidanceScale()));
        m.put("NoiseLevel", Integer.toString(request.noiseLevel()));
        m.put("CrossAttentionPrompt", request.crossAttentionPrompt());
        if (editedFrom != null) {
            m.put("EditedFrom", editedFrom);
            m.put("ImageGuidance", String.format(Locale.ROOT, "%.3g", request.imageGuidanceScale()));
        }
        return m;
    }

    /**
     * Writes the image as a PNG with {@link #metadata()} in text chunks, through a temporary file and
     * an atomic move, so a failure never leaves a partial file. {@code target} is a file, or an
     * existing folder (the file is then {@code image-<index>.png} in it).
     *
     * @return the file written
     */
    public Path save(Path target) {
        Path file = Files.isDirectory(target) ? target.resolve(String.format(Locale.ROOT, "image-%d.png", index)) : target;
        Images.writePng(image, file, metadata());
        return file;
    }
}
