package dev.codi4j.kernels.opencl;

import dev.codi4j.kernels.gpu.GpuBackend;
import dev.codi4j.kernels.gpu.GpuBackendContract;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every op of the OpenCL backend against the reference (on PoCL in CI), plus the PyTorch op fixtures. */
class OpenClBackendTest extends GpuBackendContract {
    @Override protected GpuBackend gpu() { return OpenClTestBackend.get(); }

    @TestFactory Stream<DynamicTest> matchesPyTorchFixtures() { return fixtures(gpu()); }
}
