package dev.codi4j.loaders;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writing files so that a failure never leaves a partial file where a good one was: the content goes
 * to a temporary sibling, is forced to disk, and is then moved over the target (atomically where the
 * file system can). The new file gets the usual permissions (0666 less the umask, or those of the
 * file it replaces), not the owner-only ones of {@link Files#createTempFile}.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Body of a write into an open channel. */
    @FunctionalInterface
    public interface ChannelWriter { void write(FileChannel ch) throws IOException; }

    /** Body of a write into a stream. */
    @FunctionalInterface
    public interface StreamWriter { void write(OutputStream out) throws IOException; }

    /** Body of a write that needs a real, seekable file (e.g. a muxer patching its headers). */
    @FunctionalInterface
    public interface FileWriter { void write(Path temporaryFile) throws IOException; }

    /** Writes through a channel to a temporary sibling of {@code path}, then moves it over {@code path}. */
    public static void write(Path path, ChannelWriter body) throws IOException {
        writeFile(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
        });
    }

    /** Writes through a buffered stream (see {@link #write(Path, ChannelWriter)}). */
    public static void writeStream(Path path, StreamWriter body) throws IOException {
        writeFile(path, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 16)) {
                body.write(out);
                out.flush();
                ch.force(true);
            }
        });
    }

    /** Lets {@code body} fill a temporary sibling of {@code path}, then moves it over {@code path}. */
    public static void writeFile(Path path, FileWriter body) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = newSibling(abs);
        try {
            body.write(tmp);
            keepPermissions(abs, tmp);
            moveReplacing(tmp, abs);
            tmp = null;
        } finally {
            if (tmp != null) Files.deleteIfExists(tmp);
        }
    }

    /** A new empty file next to {@code target}, created with default permissions (the umask applies). */
    private static Path newSibling(Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            }
        }
    }

    /** A replaced file keeps its permissions. */
    private static void keepPermissions(Path old, Path tmp) {
        try {
            var view = Files.getFileAttributeView(old, PosixFileAttributeView.class);
            if (view != null && Files.exists(old)) Files.setPosixFilePermissions(tmp, view.readAttributes().permissions());
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort: the new file keeps the default permissions
        }
    }

    /** Atomic rename where the file system supports it, else a plain replace. */
    public static void moveReplacing(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
