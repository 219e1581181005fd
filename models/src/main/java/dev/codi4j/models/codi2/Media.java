package dev.codi4j.models.codi2;

import dev.codi4j.loaders.media.AudioFiles;
import dev.codi4j.loaders.media.Images;
import dev.codi4j.loaders.media.MediaException;
import dev.codi4j.loaders.media.Mp4;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A non-text part of a {@link Prompt}: an image, an audio clip or a video, decoded in memory.
 * Immutable and safe to share between threads and conversations.
 *
 * <pre>{@code
 * import dev.codi4j.models.codi2.Media.Image;
 * Prompt p = Prompt.of("Make it look like ", Image.read(Path.of("cat.png")), " in winter");
 * }</pre>
 */
public sealed interface Media permits Media.Image, Media.Audio, Media.Video {

    /** A name for transcripts and errors: the file name, or e.g. "generated image 1". */
    String label();

    /** "image", "audio" or "video": also the tag of the official prompt form ({@code #image#_0}). */
    String kind();

    /** Image, audio or video by the file's extension (png, jpg, jpeg, bmp, gif, webp; wav, mp3, ogg; mp4). */
    static Media read(Path file) {
        String ext = extension(file);
        return switch (ext) {
            case "png", "jpg", "jpeg", "bmp", "gif", "webp" -> Image.read(file);
            case "wav", "mp3", "ogg", "oga" -> Audio.read(file);
            case "mp4", "m4v", "mov" -> Video.read(file);
            default -> {
                requireFile(file);
                throw new UnsupportedMediaException(file + ": unsupported media type '" + (ext.isEmpty() ? "(no extension)" : "." + ext)
                        + "'; CoDi-2 takes images (.png .jpg .jpeg .bmp .gif .webp), audio (.wav .mp3 .ogg) and video (.mp4)");
            }
        };
    }

    /** An RGB image. */
    record Image(dev.codi4j.loaders.media.Image pixels, String label) implements Media {
        public Image {
            Objects.requireNonNull(pixels, "pixels");
            pixels = pixels.toRgb();
            label = label == null ? "image" : label;
        }

        /** Reads and decodes an image file (EXIF orientation applied). */
        public static Image read(Path file) {
            requireFile(file);
            try {
                return new Image(Images.read(file), file.getFileName().toString());
            } catch (MediaException e) {
                throw new UnsupportedMediaException(file + " could not be read as an image: " + e.getMessage(), e);
            }
        }

        public static Image of(dev.codi4j.loaders.media.Image pixels, String label) { return new Image(pixels, label); }

        @Override public String kind() { return "image"; }
        @Override public String toString() { return "Image(" + label + ", " + pixels.width() + "x" + pixels.height() + ")"; }
    }

    /** An audio clip. */
    record Audio(dev.codi4j.loaders.media.Audio samples, String label) implements Media {
        public Audio {
            Objects.requireNonNull(samples, "samples");
            label = label == null ? "audio" : label;
            if (samples.frames() == 0) throw new MediaInputException("audio '" + label + "' has no samples");
        }

        /** Reads and decodes an audio file (WAV, MP3, Ogg Vorbis). */
        public static Audio read(Path file) {
            requireFile(file);
            try {
                return new Audio(AudioFiles.read(file), file.getFileName().toString());
            } catch (MediaException e) {
                throw new UnsupportedMediaException(file + " could not be read as audio: " + e.getMessage(), e);
            }
        }

        public static Audio of(dev.codi4j.loaders.media.Audio samples, String label) { return new Audio(samples, label); }

        @Override public String kind() { return "audio"; }
        @Override public String toString() { return "Audio(" + label + ", " + String.format(Locale.ROOT, "%.2f", samples.seconds()) + " s)"; }
    }

    /** A video. */
    record Video(dev.codi4j.loaders.media.Video frames, String label) implements Media {
        public Video {
            Objects.requireNonNull(frames, "frames");
            label = label == null ? "video" : label;
        }

        /** Reads and decodes an MP4 (H.264) file. */
        public static Video read(Path file) {
            requireFile(file);
            try {
                return new Video(Mp4.read(file), file.getFileName().toString());
            } catch (MediaException e) {
                throw new UnsupportedMediaException(file + " could not be read as video: " + e.getMessage(), e);
            }
        }

        @Override public String kind() { return "video"; }
        @Override public String toString() { return "Video(" + label + ", " + frames.frameCount() + " frames)"; }
    }

    private static String extension(Path file) {
        String n = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static void requireFile(Path file) {
        if (Files.isDirectory(file)) throw new MediaInputException(file + " is a folder; give a media file");
        if (!Files.isRegularFile(file)) throw new MediaInputException(file + ": file not found; check the path");
        if (!Files.isReadable(file)) throw new MediaInputException(file + ": file is not readable; check its permissions");
    }
}
