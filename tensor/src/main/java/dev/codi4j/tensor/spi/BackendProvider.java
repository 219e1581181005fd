package dev.codi4j.tensor.spi;

import dev.codi4j.tensor.Backend;

/**
 * A factory for a {@link Backend}, found with {@link java.util.ServiceLoader}. Register an
 * implementation in {@code META-INF/services/dev.codi4j.tensor.spi.BackendProvider}. A TornadoVM
 * backend, for one, would plug in here without touching a model.
 */
public interface BackendProvider {
    /** The device name users select: "cpu", "opencl", "cuda", "reference". */
    String name();

    /** Among providers of the same name the highest priority wins (the reference CPU backend has 0). */
    int priority();

    /** Whether this backend can run here (e.g. an OpenCL platform exists); with a reason when not. */
    Availability availability();

    Backend create(Options options);

    record Availability(boolean available, String reason) {
        public static Availability yes() { return new Availability(true, ""); }
        public static Availability no(String reason) { return new Availability(false, reason); }
    }

    /** Creation options: {@code threads} ≤ 0 means all available cores; {@code deviceIndex} picks a GPU. */
    record Options(int threads, int deviceIndex) {
        public static Options defaults() { return new Options(0, 0); }
    }
}
