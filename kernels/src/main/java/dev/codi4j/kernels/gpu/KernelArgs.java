package dev.codi4j.kernels.gpu;

import java.util.Arrays;

/**
 * The argument list of one kernel launch, in declaration order. Buffers are passed as the API's
 * handle (an OpenCL {@code cl_mem} or a CUDA device pointer, 8 bytes either way); scalars keep their
 * C size, so the same list can be applied with {@code clSetKernelArg} or packed for {@code cuLaunchKernel}.
 */
public final class KernelArgs {
    /** C type of an argument: its size in bytes is what both APIs need. */
    public enum Kind {
        BUFFER(8), I32(4), I64(8), F32(4);

        public final int bytes;

        Kind(int bytes) { this.bytes = bytes; }
    }

    private Kind[] kinds = new Kind[32];
    private long[] values = new long[32];
    private int size;

    private KernelArgs add(Kind k, long v) {
        if (size == kinds.length) {
            kinds = Arrays.copyOf(kinds, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        kinds[size] = k;
        values[size++] = v;
        return this;
    }

    /** A device buffer handle (0 is passed as a null pointer, for optional inputs). */
    public KernelArgs buf(long handle) { return add(Kind.BUFFER, handle); }

    public KernelArgs i32(int v) { return add(Kind.I32, v); }

    public KernelArgs i64(long v) { return add(Kind.I64, v); }

    public KernelArgs f32(float v) { return add(Kind.F32, Float.floatToRawIntBits(v)); }

    /** Convenience for flags. */
    public KernelArgs bool(boolean v) { return i32(v ? 1 : 0); }

    public int size() { return size; }

    public Kind kind(int i) { return kinds[i]; }

    /** The raw value: a handle, an int or long, or a float's bits. */
    public long value(int i) { return values[i]; }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < size; i++) {
            if (i > 0) sb.append(", ");
            sb.append(switch (kinds[i]) {
                case BUFFER -> "buf@" + Long.toHexString(values[i]);
                case I32, I64 -> Long.toString(values[i]);
                case F32 -> Float.toString(Float.intBitsToFloat((int) values[i]));
            });
        }
        return sb.append(')').toString();
    }
}
