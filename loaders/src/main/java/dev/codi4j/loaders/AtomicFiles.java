package dev.codi4j.loaders;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writing files so that a failure never leaves a partial file where a good one was. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Body of a file write. */
    @FunctionalInterface
    public interface ChannelWriter { void write(FileChannel ch) throws IOException; }

    /** Writes to a temporary file beside {@code path}, forces it to disk, then moves it over {@code path}. */
    public static void write(Path path, ChannelWriter body) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            moveReplacing(tmp, abs);
        } finally {
            Files.deleteIfExists(tmp);
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
