package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.testing.OpFixtures;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The CPU backend against the shared PyTorch (float64) op fixtures: |cpu − torch| / (1 + |torch|)
 * ≤ 2e-6, the reference backend's own tolerance (copies to F16/BF16/Q8_0/Q4_0 must be exact).
 */
class CpuOpsFixturesTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return OpFixtures.run(CPU, 2e-6);
    }
}
