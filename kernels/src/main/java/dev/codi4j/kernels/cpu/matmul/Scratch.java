package dev.codi4j.kernels.cpu.matmul;

/**
 * Per-thread reusable float buffers for packing, so a GEMM call allocates (and the JVM zeroes)
 * nothing in steady state. Buffers above {@link #KEEP_FLOATS} are handed out fresh and not kept, so a
 * single huge convolution does not pin its packing memory for the life of the thread.
 */
final class Scratch {
    private static final int KEEP_FLOATS = 4 << 20; // 16 MiB
    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    private final float[][] slots = new float[4][];

    static final int A = 0, B = 1, TILE = 2, ROW = 3;

    /** A buffer of at least {@code n} floats for {@code slot} on the current thread (contents undefined). */
    static float[] get(int slot, int n) {
        Scratch s = LOCAL.get();
        float[] f = s.slots[slot];
        if (f != null && f.length >= n) return f;
        f = new float[n];
        if (n <= KEEP_FLOATS) s.slots[slot] = f;
        return f;
    }
}
