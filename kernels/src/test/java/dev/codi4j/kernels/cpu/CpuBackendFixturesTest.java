package dev.codi4j.kernels.cpu;

import dev.codi4j.tensor.testing.OpFixtures;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The shared PyTorch op fixtures on the CPU backend (two threads). Tolerance 2e-5·(1 + |expected|):
 * the fast kernels accumulate in float, the fixtures were computed in float64 over K ≤ 64.
 */
class CpuBackendFixturesTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    @TestFactory
    Stream<DynamicTest> matchesPyTorch() { return OpFixtures.run(CPU, 2e-5); }
}
