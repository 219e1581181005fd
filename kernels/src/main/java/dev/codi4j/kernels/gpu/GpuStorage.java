package dev.codi4j.kernels.gpu;

import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Device memory behind GPU tensors: a pooled buffer of one {@link GpuBackend}. Not host-addressable;
 * {@link #segment()} explains how to get the data. Closing (or becoming unreachable) returns the
 * buffer to the pool.
 */
public final class GpuStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final GpuBackend owner;
    private final long handle, byteSize;
    private final AtomicBoolean closed;
    private final Cleaner.Cleanable cleanable;

    GpuStorage(GpuBackend owner, MemoryPool pool, long handle, long sizeClass, long byteSize) {
        this.owner = owner;
        this.handle = handle;
        this.byteSize = byteSize;
        AtomicBoolean flag = new AtomicBoolean();
        this.closed = flag;
        // the cleaning action must not reference this storage
        this.cleanable = CLEANER.register(this, () -> { if (flag.compareAndSet(false, true)) pool.release(handle, sizeClass); });
    }

    /** The API handle (cl_mem / CUdeviceptr). */
    public long handle() {
        if (closed.get()) throw new IllegalStateException("GPU tensor memory was already released (closed tensor or ended Scope)");
        return handle;
    }

    /** The backend whose context owns this memory. */
    public GpuBackend owner() { return owner; }

    public boolean isClosed() { return closed.get(); }

    @Override public Device device() { return owner.device(); }

    @Override public long byteSize() { return byteSize; }

    @Override public MemorySegment segment() {
        throw new UnsupportedOperationException("this tensor lives on " + owner.device() + " (" + owner.name()
                + " backend); copy it to the host with backend.toHost(tensor) before reading its bytes");
    }

    @Override public void close() { cleanable.clean(); }

    @Override public String toString() { return owner.device() + "(" + byteSize + " bytes)"; }
}
