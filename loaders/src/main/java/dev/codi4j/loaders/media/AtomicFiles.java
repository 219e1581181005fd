package dev.codi4j.loaders.media;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Media writes through {@link dev.codi4j.loaders.AtomicFiles} (temporary sibling, then a move), so a
 * write that fails half way (an encoder error, a full disk, a killed JVM) leaves any earlier file at
 * the target untouched; failures come back as a {@link MediaException} naming the target.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Body of an atomic write: writes the complete content to {@code out}. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Body of an atomic write that needs a real file (e.g. a muxer that seeks back to patch headers). */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path temporaryFile) throws IOException;
    }

    /** Writes {@code writer}'s stream into {@code target}, atomically. */
    public static void write(Path target, Writer writer) {
        run(target, () -> dev.codi4j.loaders.AtomicFiles.writeStream(target, writer::write));
    }

    /** Like {@link #write(Path, Writer)} for writers that need a seekable file. */
    public static void writeFile(Path target, FileWriter writer) {
        run(target, () -> dev.codi4j.loaders.AtomicFiles.writeFile(target, writer::write));
    }

    private interface Io { void run() throws IOException; }

    private static void run(Path target, Io io) {
        try {
            io.run();
        } catch (MediaException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            Path dir = target.toAbsolutePath().getParent();
            throw new MediaException(target.toString(), "could not write file (" + e + ")",
                    "check free space and permissions of " + dir + "; any earlier file at this path was left as it was", e);
        }
    }
}
