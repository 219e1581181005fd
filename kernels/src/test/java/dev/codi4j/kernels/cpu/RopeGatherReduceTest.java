package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.testing.OpFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * rope, embedding, upsampleNearest, reduce and argmax against the reference. Tolerances: rope
 * 1e-6 (float cos/sin tables and float arithmetic vs double); embedding, upsampling, MAX/MIN and
 * argmax exact; SUM/MEAN 1e-6.
 */
class RopeGatherReduceTest {
    static final CpuBackend CPU = new CpuBackend(2);

    @AfterAll static void close() { CPU.close(); }

    @TestFactory Stream<DynamicTest> rope() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(41);
        int[][] shapes = {{1, 1, 2}, {5, 2, 8}, {7, 3, 64}, {2, 17, 4, 128}, {1, 33, 32, 128}};
        for (int[] shape : shapes) {
            int s = shape[shape.length - 3], d = shape[shape.length - 1];
            int[] pos = new int[s];
            for (int i = 0; i < s; i++) pos[i] = s == 1 ? 4000 : 3 * i + r.nextInt(3); // decode-like single position, and gaps
            Tensor positions = Tensor.fromInts(pos, s);
            Tensor vals = Layouts.randn(r, 1f, 0f, shape);
            for (boolean inter : new boolean[] {false, true}) {
                for (int rot : new int[] {d, d / 2 - (d / 2) % 2}) {
                    if (rot == 0) continue;
                    for (double theta : new double[] {10000, 500000}) {
                        Tensor want = Layouts.REF.rope(vals, positions, rot, theta, inter);
                        for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                            String name = "rope " + (inter ? "interleaved" : "half") + " rot " + rot + " θ " + theta + " " + x;
                            tests.add(DynamicTest.dynamicTest(name, () -> OpFixtures.assertClose(want, CPU.rope(x.t(), positions, rot, theta, inter), 1e-6, name)));
                        }
                    }
                }
            }
            tests.add(DynamicTest.dynamicTest("rope in place, I64 positions " + Layouts.shape(shape), () -> {
                Tensor want = Layouts.REF.rope(vals, positions, d, 10000, false);
                Tensor x = Layouts.layout(vals, DType.F32, "contiguous");
                Tensor p64 = Layouts.REF.copyOf(positions, DType.I64);
                CPU.rope(x, p64, d, 10000, false, x);
                OpFixtures.assertClose(want, x, 1e-6, "rope in place");
            }));
        }
        // the model's layout: q as a (S, H, D) view of a (S, H·D) projection, rotated into a KV-cache slice
        tests.add(DynamicTest.dynamicTest("rope of a projection view into a cache slice", () -> {
            Tensor proj = Layouts.randn(new Random(5), 1f, 0f, 9, 4 * 64);
            Tensor x = proj.view(9, 4, 64);
            Tensor cache = Tensor.zeros(DType.F16, 20, 4, 64);
            Tensor slot = cache.narrow(0, 6, 9);
            Tensor positions = Tensor.fromInts(new int[] {6, 7, 8, 9, 10, 11, 12, 13, 14}, 9);
            CPU.rope(x, positions, 64, 10000, false, slot);
            Tensor want = Layouts.REF.copyOf(Layouts.REF.rope(x, positions, 64, 10000, false), DType.F16);
            OpFixtures.assertClose(want, slot, 1e-3, "rope into f16 cache (one f16 ulp)");
        }));
        return tests.stream();
    }

    @Test void embeddingEveryDtype() {
        Random r = new Random(42);
        Tensor table = Layouts.randn(r, 1f, 0f, 50, 96);
        int[] idv = {0, 49, 7, 7, 23, 1};
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            Tensor t = Layouts.REF.copyOf(table, dt);
            for (DType it : new DType[] {DType.I32, DType.I64}) {
                Tensor ids = Layouts.REF.copyOf(Tensor.fromInts(idv, 2, 3), it);
                assertArrayEquals(Layouts.REF.embedding(t, ids).toFloatArray(), CPU.embedding(t, ids).toFloatArray(), "embedding " + dt + " ids " + it);
            }
            Tensor rows = t.narrow(0, 10, 30); // a view of the table
            Tensor ids = Tensor.fromInts(new int[] {29, 0, 5}, 3);
            assertArrayEquals(Layouts.REF.embedding(rows, ids).toFloatArray(), CPU.embedding(rows, ids).toFloatArray(), "embedding of a table view " + dt);
        }
        Tensor tt = Layouts.layout(Layouts.randn(r, 1f, 0f, 12, 17), DType.F32, "transposed");
        Tensor ids = Tensor.fromInts(new int[] {11, 3}, 2);
        assertArrayEquals(Layouts.REF.embedding(tt, ids).toFloatArray(), CPU.embedding(tt, ids).toFloatArray(), "transposed table");
        Tensor big = Layouts.randn(r, 1f, 0f, 1000, 256);
        int[] many = new int[600];
        for (int i = 0; i < many.length; i++) many[i] = r.nextInt(1000);
        Tensor manyIds = Tensor.fromInts(many, 600);
        assertArrayEquals(Layouts.REF.embedding(big, manyIds).toFloatArray(), CPU.embedding(big, manyIds).toFloatArray(), "many ids (threads)");
        ShapeException e = assertThrows(ShapeException.class, () -> CPU.embedding(table, Tensor.fromInts(new int[] {3, 50}, 2)));
        assertTrue(e.getMessage().contains("50") && e.getMessage().contains("vocabulary"), e.getMessage());
    }

    @Test void upsampleNearest() {
        Random r = new Random(43);
        int[][] shapes = {{1, 1, 1, 1}, {1, 2, 3, 4}, {2, 3, 5, 17}, {1, 4, 12, 40}, {2, 64, 24, 24}};
        for (int[] shape : shapes) {
            Tensor vals = Layouts.randn(r, 1f, 0f, shape);
            for (int[] f : new int[][] {{2, 2}, {1, 3}, {3, 1}}) {
                Tensor want = Tensor.zeros(DType.F32, shape[0], shape[1], shape[2] * f[0], shape[3] * f[1]);
                Layouts.REF.upsampleNearest(vals, want);
                for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                    Tensor got = Tensor.zeros(DType.F32, want.shape());
                    CPU.upsampleNearest(x.t(), got);
                    assertArrayEquals(want.toFloatArray(), got.toFloatArray(), "upsample ×" + f[0] + "×" + f[1] + " " + x);
                }
            }
        }
    }

    @TestFactory Stream<DynamicTest> reductions() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(44);
        int[][] shapes = {{1}, {17}, {3, 4, 5}, {4097, 3}, {2, 3, 4097}, {200, 700}};
        for (int[] shape : shapes) {
            Tensor vals = Layouts.randn(r, 2f, 0.5f, shape);
            for (ReduceOp op : ReduceOp.values()) {
                double tol = op == ReduceOp.SUM || op == ReduceOp.MEAN ? 1e-6 : 0;
                for (int dim = 0; dim < shape.length; dim++) {
                    Tensor want = Layouts.REF.reduce(op, vals, dim);
                    int dd = dim;
                    for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                        String name = op + " dim " + dim + " " + x;
                        tests.add(DynamicTest.dynamicTest(name, () -> OpFixtures.assertClose(want, CPU.reduce(op, x.t(), dd), tol, name)));
                    }
                }
            }
            if (shape.length >= 1) {
                Tensor want = Layouts.REF.argmax(vals);
                for (Layouts.Named x : ElementwiseTest.layoutsFor(vals)) {
                    tests.add(DynamicTest.dynamicTest("argmax " + x, () -> assertArrayEquals(want.toIntArray(), CPU.argmax(x.t()).toIntArray(), "argmax " + x)));
                }
            }
        }
        tests.add(DynamicTest.dynamicTest("argmax ties, NaN and signed zeros", () -> {
            float nan = Float.NaN;
            Tensor x = Tensor.fromFloats(new float[] {
                1, 5, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
                nan, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                1, 2, 3, nan, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, 9,
                -0f, 0f, -0f, -1, -2, -3, -4, -5, -6, -7, -8, -9, -1, -1, -1, -1, -1, -1}, 4, 18);
            assertArrayEquals(Layouts.REF.argmax(x).toIntArray(), CPU.argmax(x).toIntArray());
            OpFixtures.assertClose(Layouts.REF.reduce(ReduceOp.MIN, x.narrow(0, 3, 1), 1), CPU.reduce(ReduceOp.MIN, x.narrow(0, 3, 1), 1), 0, "min with zeros");
        }));
        tests.add(DynamicTest.dynamicTest("argmax of a Llama-sized row", () -> {
            Tensor logits = Layouts.randn(new Random(7), 3f, 0f, 2, 32000);
            assertArrayEquals(Layouts.REF.argmax(logits).toIntArray(), CPU.argmax(logits).toIntArray());
        }));
        return tests.stream();
    }
}
