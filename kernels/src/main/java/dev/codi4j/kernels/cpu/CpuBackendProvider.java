package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.spi.BackendProvider;

/** Registers {@link CpuBackend} as "cpu" (priority 100, above the reference fallback). */
public final class CpuBackendProvider implements BackendProvider {
    @Override public String name() { return "cpu"; }
    @Override public int priority() { return 100; }
    @Override public Availability availability() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? Availability.yes()
                : Availability.no("the Vector API is missing: run the JVM with --add-modules jdk.incubator.vector");
    }
    @Override public Backend create(Options options) { return new CpuBackend(options.threads()); }
}
