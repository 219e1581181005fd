package dev.codi4j.kernels.gpu;

import java.util.Map;
import java.util.TreeMap;

/**
 * A kernel by program source and name. {@code defines} specialise the program at compile time (for
 * example the weight dtype of the linear kernels), so each distinct map is its own program.
 *
 * @param file    resource name under {@code dev/codi4j/kernels/gpu/} (shared) or a dialect folder
 * @param defines preprocessor macros set before the source, in key order
 * @param name    the kernel function
 */
public record KernelRef(String file, Map<String, String> defines, String name) {
    public KernelRef {
        defines = Map.copyOf(defines);
    }

    public KernelRef(String file, String name) { this(file, Map.of(), name); }

    /** Identifies the compiled program (file + defines), shared by every kernel in it. */
    public String programKey() { return file + (defines.isEmpty() ? "" : new TreeMap<>(defines).toString()); }
}
