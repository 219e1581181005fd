package dev.codi4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryTest {
    @Test void sizeClassesBoundSlack() {
        for (long n : new long[] {1, 63, 64, 65, 1000, 65536, 65537, 1 << 20, 123_456_789, 5L << 30}) {
            long c = HostMemory.sizeClass(n);
            assertTrue(c >= n && c <= Math.max(64, n + n / 8 + 64), n + " → " + c);
        }
    }

    @Test void scopeReleasesTemporariesAndKeepsResults() {
        long before = HostMemory.liveBytes();
        Tensor kept;
        Tensor temp;
        try (Scope s = Scope.open()) {
            temp = Tensor.zeros(DType.F32, 1000);
            kept = s.keep(Tensor.zeros(DType.F32, 2000));
            try (Scope inner = Scope.open()) {
                Tensor t = Tensor.zeros(DType.F32, 10);
                inner.keep(t); // moves to the outer scope, freed with it
            }
        }
        assertThrows(IllegalStateException.class, temp::toFloatArray);
        assertEquals(0f, kept.toFloatArray()[1999]);
        assertTrue(HostMemory.liveBytes() - before <= HostMemory.sizeClass(8000), "only the kept tensor stays live");
        kept.close();
    }

    @Test void pooledMemoryIsReusedAndZeroedOnRequest() {
        Tensor a = Tensor.allocate(DType.F32, 4096);
        a.setFloat(42, 7);
        a.close();
        Tensor b = Tensor.zeros(DType.F32, 4096);
        assertEquals(0f, b.getFloat(7));
        b.close();
    }
}
