package dev.codi4j.kernels.gpu;

/**
 * The GPU language a kernel source is compiled as. The shared op kernels are written once against a
 * small set of macros (KERNEL, GLOBAL, LOCAL, BARRIER, LD_F16, ...) that each dialect's prelude defines.
 */
public enum Dialect {
    OPENCL("dev/codi4j/kernels/opencl/prelude.cl"),
    CUDA("dev/codi4j/kernels/cuda/prelude.cuh");

    private final String prelude;

    Dialect(String prelude) { this.prelude = prelude; }

    /** Class-path resource of the prelude that maps the shared macros onto this language. */
    public String prelude() { return prelude; }
}
