package dev.codi4j.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.spi.BackendProvider;
import org.junit.jupiter.api.Test;

/** Without a GPU the "cuda" device is absent with an actionable reason, and nothing crashes. */
class CudaProviderTest {
    @Test void absentDriverIsReportedNotThrown() {
        BackendProvider p = new CudaBackendProvider();
        BackendProvider.Availability a = p.availability();
        assumeFalse(a.available(), "a CUDA GPU is present here; the absent-driver path cannot be exercised");
        assertFalse(a.reason().isBlank());
        assertTrue(a.reason().contains("libcuda") || a.reason().contains("NVRTC") || a.reason().contains("cuInit") || a.reason().contains("GPU"), a.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda"));
        assertTrue(e.getMessage().contains("'cuda' is not available") && e.getMessage().contains(a.reason()), e.getMessage());
        // asking twice gives the same answer (the failed load is remembered, not retried into a crash)
        assertTrue(p.availability().reason().equals(a.reason()));
    }

    @Test void providersAreRegisteredForEveryDevice() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (BackendProvider p : Backends.providers()) names.add(p.name());
        assertTrue(names.containsAll(java.util.List.of("cpu", "opencl", "cuda", "reference")), names.toString());
    }
}
