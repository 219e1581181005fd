package dev.codi4j.kernels.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.gpu.GpuBackend;
import dev.codi4j.kernels.gpu.GpuBackendContract;
import dev.codi4j.tensor.spi.BackendProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every op of the CUDA backend against the reference, plus the PyTorch op fixtures: the same contract
 * the OpenCL backend passes on PoCL. Skipped, with the provider's reason, where no NVIDIA GPU, driver
 * and NVRTC are present — which includes the machine this backend was written on.
 */
class CudaBackendTest extends GpuBackendContract {
    private static CudaBackend shared;

    @Override protected synchronized GpuBackend gpu() {
        BackendProvider.Availability a = new CudaBackendProvider().availability();
        assumeTrue(a.available(), () -> "CUDA tests skipped: " + a.reason());
        if (shared == null) {
            shared = new CudaBackend(0);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> shared.close()));
        }
        return shared;
    }

    @TestFactory Stream<DynamicTest> matchesPyTorchFixtures() { return fixtures(gpu()); }
}
