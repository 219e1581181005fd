package dev.codi4j.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.codi4j.kernels.gpu.KernelArgs;
import java.lang.foreign.MemorySegment;

/**
 * Packs {@link KernelArgs} the way {@code cuLaunchKernel} takes them: {@code void** kernelParams},
 * one pointer per parameter, each to a value of the parameter's C size. Values sit in 8-byte slots
 * after the pointer array, so a 4-byte int is read from the first 4 bytes of its slot (little-endian
 * hosts, which is all CUDA supports).
 */
final class CudaArgs {
    private CudaArgs() {}

    /** Bytes of scratch needed for {@code n} parameters. */
    static long bytes(int n) { return 16L * n; }

    /** Writes pointers and values into {@code scratch}; returns the {@code void**} array (its start). */
    static MemorySegment pack(KernelArgs args, MemorySegment scratch) {
        int n = args.size();
        if (scratch.byteSize() < bytes(n)) throw new IllegalArgumentException(n + " kernel parameters need " + bytes(n) + " bytes of scratch");
        MemorySegment values = scratch.asSlice(8L * n, 8L * n);
        for (int i = 0; i < n; i++) {
            MemorySegment slot = values.asSlice(8L * i, 8);
            switch (args.kind(i)) {
                case BUFFER, I64 -> slot.set(JAVA_LONG, 0, args.value(i));
                case I32, F32 -> slot.set(JAVA_INT, 0, (int) args.value(i));
            }
            scratch.setAtIndex(ADDRESS, i, slot);
        }
        return scratch;
    }
}
