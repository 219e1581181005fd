package dev.codi4j.loaders;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only memory mapping of a whole file, with no 2 GiB limit ({@code java.lang.foreign}).
 * Tensors built over it borrow the memory: closing the mapping makes them fail with an
 * {@link IllegalStateException} on access (never a crash), so close it only when the model is gone.
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    public static MappedFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? arena.allocate(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return new MappedFile(path, arena, seg);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Treats bytes already in memory as a file called {@code name} (tests, fuzzing, archives inside
     * archives). Closing it does not free {@code segment}.
     */
    public static MappedFile wrap(Path name, MemorySegment segment) { return new MappedFile(name, null, segment); }

    public Path path() { return path; }

    public long size() { return segment.byteSize(); }

    public MemorySegment segment() { return segment; }

    /** A bounds-checked slice; a range outside the file is a {@link FormatException} naming {@code what}. */
    public MemorySegment slice(long offset, long length, String what) throws FormatException {
        if (offset < 0 || length < 0 || offset > size() || length > size() - offset)
            throw new FormatException(path, what + " at bytes [" + offset + ", " + (offset + length) + ") lies outside the file ("
                    + size() + " bytes); the file is truncated or corrupt — download it again");
        return segment.asSlice(offset, length);
    }

    @Override public void close() { if (arena != null && arena.scope().isAlive()) arena.close(); }

    @Override public String toString() { return path.toString(); }
}
