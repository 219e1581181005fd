package dev.codi4j.kernels.gpu;

import dev.codi4j.tensor.Device;
import java.lang.foreign.MemorySegment;

/**
 * What the shared GPU op layer ({@link GpuBackend}) needs from a GPU API: one device, one in-order
 * queue (OpenCL command queue, CUDA stream), raw buffers named by 64-bit handles, and kernels from
 * programs that are compiled once and cached. Every call is enqueued in order; only {@link #read} and
 * {@link #finish} wait. Implementations are used from one thread at a time (the backend's rule),
 * except {@link #free}, which the memory pool may defer but never calls concurrently with a launch.
 *
 * <p>A TornadoVM or Vulkan runtime would implement this same interface; the op layer would not change.
 */
public interface GpuRuntime extends AutoCloseable {

    Device device();

    /** The language the shared kernels are compiled as. */
    Dialect dialect();

    /** Human-readable device and driver description, for logs and benchmark headers. */
    String description();

    /** Bytes of device memory. */
    long totalMemory();

    /** Number of compute units (OpenCL) or multiprocessors (CUDA): sizes split-K decisions. */
    int computeUnits();

    /** Largest work-group (thread block) the device accepts. */
    int maxWorkGroupSize();

    /**
     * A new device buffer of at least {@code bytes} (contents undefined).
     * @throws GpuOutOfMemoryException when the device has no room
     */
    long allocate(long bytes);

    void free(long handle);

    /** Copies host bytes to a buffer; returns once {@code src} may be reused. */
    void write(long dst, long dstOffset, MemorySegment src, long bytes);

    /** Copies buffer bytes to the host after all queued work; returns when {@code dst} holds them. */
    void read(long src, long srcOffset, MemorySegment dst, long bytes);

    /** Enqueues a device-to-device copy. */
    void copy(long src, long srcOffset, long dst, long dstOffset, long bytes);

    /**
     * Enqueues {@code ref} over a grid of {@code global} work-items (rounded up to whole work-groups
     * of {@code local}); 1 to 3 dimensions.
     */
    void launch(KernelRef ref, long[] global, int[] local, KernelArgs args);

    /** Waits until everything enqueued has finished (and reports asynchronous errors). */
    void finish();

    @Override void close();
}
