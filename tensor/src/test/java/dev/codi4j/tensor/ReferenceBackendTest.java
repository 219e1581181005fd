package dev.codi4j.tensor;

import dev.codi4j.tensor.ref.ReferenceBackend;
import dev.codi4j.tensor.testing.OpFixtures;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The oracle itself against PyTorch (float64) on every op: relative tolerance 2e-6. */
class ReferenceBackendTest {
    @TestFactory
    Stream<DynamicTest> matchesPyTorch() {
        return OpFixtures.run(new ReferenceBackend(), 2e-6);
    }
}
