package dev.codi4j.loaders.media;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary sibling and a move, so that a write that fails half way (an
 * encoder error, a full disk, a killed JVM) leaves any earlier file at the target untouched.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Body of an atomic write: writes the complete content to {@code out}. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Runs {@code writer} into a temporary file in the target's folder, then moves it over
     * {@code target} (atomically where the file system can). On any failure the temporary file is
     * deleted and the failure is rethrown as a {@link MediaException} naming {@code target}.
     */
    public static void write(Path target, Writer writer) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (MediaException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new MediaException(target.toString(), "could not write file (" + e + ")",
                    "check free space and permissions of " + dir + "; any earlier file at this path was left as it was", e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort: the failure above is what matters */ }
            }
        }
    }

    /** Body of an atomic write that needs a real file (e.g. a muxer that seeks back to patch headers). */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path temporaryFile) throws IOException;
    }

    /**
     * Like {@link #write(Path, Writer)} for writers that need a seekable file: {@code writer} fills a
     * temporary sibling of {@code target}, which is then moved over {@code target}.
     */
    public static void writeFile(Path target, FileWriter writer) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            writer.write(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (MediaException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new MediaException(target.toString(), "could not write file (" + e + ")",
                    "check free space and permissions of " + dir + "; any earlier file at this path was left as it was", e);
        } finally {
            if (tmp != null) {
                try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort */ }
            }
        }
    }
}
