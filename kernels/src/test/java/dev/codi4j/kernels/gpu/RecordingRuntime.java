package dev.codi4j.kernels.gpu;

import dev.codi4j.tensor.Device;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A GPU runtime that executes nothing: it hands out fake buffer handles, reads back zeros and records
 * every kernel launch. Drives the op layer without a device, to check which kernels an op launches
 * and with which argument types (against the compiled PTX in the CUDA tests).
 */
public final class RecordingRuntime implements GpuRuntime {
    /** One launch: the kernel and the C sizes of its arguments in order. */
    public record Launch(KernelRef kernel, List<Integer> argBytes, String args) {}

    private final Dialect dialect;
    private final List<Launch> launches = new ArrayList<>();
    private long next = 0x1000;

    public RecordingRuntime(Dialect dialect) { this.dialect = dialect; }

    public List<Launch> launches() { return launches; }

    @Override public Device device() { return new Device(dialect == Dialect.CUDA ? Device.Kind.CUDA : Device.Kind.OPENCL, 99); }
    @Override public Dialect dialect() { return dialect; }
    @Override public String description() { return "recording " + dialect + " runtime (executes nothing)"; }
    @Override public long totalMemory() { return 80L << 30; }
    @Override public int computeUnits() { return 132; }
    @Override public int maxWorkGroupSize() { return 1024; }
    @Override public long allocate(long bytes) { long h = next; next += (bytes + 255) / 256 * 256 + 256; return h; }
    @Override public void free(long handle) {}
    @Override public void write(long dst, long dstOffset, MemorySegment src, long bytes) {}
    @Override public void read(long src, long srcOffset, MemorySegment dst, long bytes) { dst.asSlice(0, bytes).fill((byte) 0); }
    @Override public void copy(long src, long srcOffset, long dst, long dstOffset, long bytes) {}
    @Override public void finish() {}
    @Override public void close() {}

    @Override public void launch(KernelRef ref, long[] global, int[] local, KernelArgs args) {
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) sizes.add(args.kind(i).bytes);
        launches.add(new Launch(ref, sizes, args.toString()));
    }
}
