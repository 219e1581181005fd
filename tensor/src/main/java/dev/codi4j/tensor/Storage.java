package dev.codi4j.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The memory behind one or more tensors. Host storage is a {@link MemorySegment} (pooled off-heap
 * memory, a memory-mapped checkpoint, or caller memory); device backends implement their own.
 * Closing releases the memory (idempotent); a view over released memory fails with an
 * {@link IllegalStateException}, never with a crash.
 */
public interface Storage extends AutoCloseable {
    Device device();

    long byteSize();

    /** Host-addressable bytes. Device storages throw {@link UnsupportedOperationException}: copy to the host first. */
    MemorySegment segment();

    /** Releases the memory if this storage owns it; no-op for borrowed memory (e.g. a file mapping owned by its reader). */
    @Override void close();

    /** Wraps memory owned by someone else (a mapping, a caller's segment); closing it does nothing. */
    static Storage borrowed(MemorySegment segment) {
        return new Storage() {
            @Override public Device device() { return Device.CPU; }
            @Override public long byteSize() { return segment.byteSize(); }
            @Override public MemorySegment segment() { return segment; }
            @Override public void close() {}
            @Override public String toString() { return "borrowed(" + segment.byteSize() + " bytes)"; }
        };
    }
}
