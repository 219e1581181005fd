package dev.codi4j.kernels.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.tensor.spi.BackendProvider;

/**
 * One OpenCL backend shared by all test classes of this JVM: PoCL compiles each program with LLVM,
 * so building them once keeps the suite fast. Tests call {@link #get()}, which skips (JUnit
 * assumption, with the provider's reason) when no OpenCL platform is installed.
 */
final class OpenClTestBackend {
    private OpenClTestBackend() {}

    private static OpenClBackend shared;

    static synchronized OpenClBackend get() {
        BackendProvider.Availability a = new OpenClBackendProvider().availability();
        assumeTrue(a.available(), () -> "OpenCL tests skipped: " + a.reason());
        if (shared == null) {
            shared = new OpenClBackend(0);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { synchronized (OpenClTestBackend.class) { shared.close(); } }));
        }
        return shared;
    }
}
