package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The worker pool: every index exactly once, errors surface, nesting and concurrent callers never deadlock. */
class ParallelTest {
    @Test
    void coversEveryIndexOnceForManyShapes() {
        try (Parallel p = new Parallel(3)) {
            for (int n : new int[] {1, 2, 3, 7, 100, 1001}) {
                for (int chunks : new int[] {1, 2, 3, 8, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    p.forRange(n, chunks, 1, (w, s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "n=" + n + " chunks=" + chunks + " index " + i);
                }
            }
        }
    }

    @Test
    void thousandsOfBackToBackJobs() {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger sum = new AtomicInteger();
            for (int rep = 0; rep < 20_000; rep++) p.forRange(4, (w, s, e) -> sum.addAndGet(e - s));
            assertEquals(80_000, sum.get());
        }
    }

    @Test
    void exceptionsPropagateAndPoolStaysUsable() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> p.forRange(10, 10, 1, (w, s, t) -> { if (s == 7) throw new IllegalStateException("chunk 7"); }));
            assertEquals("chunk 7", e.getMessage());
            AtomicInteger n = new AtomicInteger();
            p.forRange(10, 10, 1, (w, s, t) -> n.addAndGet(t - s));
            assertEquals(10, n.get());
        }
    }

    @Test
    void nestedAndConcurrentCallsRunInline() throws Exception {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger n = new AtomicInteger();
            p.forRange(4, 4, 1, (w, s, e) -> p.forRange(10, (w2, s2, e2) -> n.addAndGet(e2 - s2)));
            assertEquals(40, n.get());
            Thread other = new Thread(() -> { for (int i = 0; i < 2000; i++) p.forRange(8, (w, s, e) -> n.addAndGet(e - s)); });
            other.start();
            for (int i = 0; i < 2000; i++) p.forRange(8, (w, s, e) -> n.addAndGet(e - s));
            other.join();
            assertEquals(40 + 2 * 2000 * 8, n.get());
        }
    }

    @Test
    void chunkIndicesNameTheRanges() {
        try (Parallel p = new Parallel(2)) {
            for (int chunks : new int[] {1, 2, 7}) {
                int n = 50;
                AtomicIntegerArray starts = new AtomicIntegerArray(chunks);
                AtomicInteger calls = new AtomicInteger();
                Parallel.RangeBody body = (c, s, e) -> { starts.set(c, s + 1); calls.incrementAndGet(); };
                p.forRange(n, chunks, 1, body);
                assertEquals(chunks, calls.get());
                for (int c = 0; c < chunks; c++) assertEquals(n * c / chunks + 1, starts.get(c), "chunk " + c);
                // the same chunks when run inline (nested call from a pool thread)
                AtomicInteger nested = new AtomicInteger();
                p.forRange(2, 2, 1, (c0, s0, e0) -> p.forRange(n, chunks, 1, (c, s, e) -> {
                    assertEquals(n * c / chunks, s);
                    nested.incrementAndGet();
                }));
                assertEquals(2 * chunks, nested.get());
            }
        }
    }
}
