package dev.codi4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplingTest {
    @Test void topKKeepsTheLargest() {
        float[] l = {1, 5, 3, 5, 0};
        Sampling.topK(l, 2);
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, 5, Float.NEGATIVE_INFINITY, 5, Float.NEGATIVE_INFINITY}, l);
    }

    @Test void topPKeepsSmallestSetReachingP() {
        // probabilities ≈ 0.64, 0.24, 0.09, 0.03
        float[] l = {3, 2, 1, 0};
        Sampling.topP(l, 0.8f);
        assertTrue(l[0] == 3 && l[1] == 2 && l[2] == Float.NEGATIVE_INFINITY && l[3] == Float.NEGATIVE_INFINITY);
    }

    @Test void repetitionPenaltyAsTransformers() {
        float[] l = {2, -2, 1};
        Sampling.repetitionPenalty(l, new int[] {0, 1, 0}, 3, 2f);
        assertArrayEquals(new float[] {1, -4, 1}, l);
    }

    @Test void seededSamplingIsReproducibleAndFollowsTheDistribution() {
        float[] logits = {0, (float) Math.log(3)}; // p = 0.25, 0.75
        int ones = 0;
        Sampling.Rng a = new Sampling.Rng(42), b = new Sampling.Rng(42);
        for (int i = 0; i < 20000; i++) {
            int x = Sampling.sample(logits, 1f, a);
            assertEquals(x, Sampling.sample(logits, 1f, b));
            ones += x;
        }
        assertEquals(0.75, ones / 20000.0, 0.015);
        assertEquals(1, Sampling.sample(logits, 0f, a));
    }
}
