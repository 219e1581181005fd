package dev.codi4j.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * copy and fill against the reference backend, byte for byte over the whole destination storage
 * (so a write outside the destination view fails too): every dtype pair, strided, transposed and
 * broadcast sources, strided destinations. Tolerance: none.
 */
class CopyTest {
    static final CpuBackend CPU = new CpuBackend(2);
    static final DType[] ALL = DType.values();

    @AfterAll static void close() { CPU.close(); }

    /** Values that exercise rounding and saturation of every dtype: fractions, ties, negatives, out-of-range. */
    static Tensor values(Random r, int... shape) {
        float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (i % 7) {
                case 0 -> (float) r.nextGaussian() * 3;
                case 1 -> r.nextInt(400) - 200;            // saturates I8/U8
                case 2 -> r.nextInt(20) - 10 + 0.5f;       // rounding ties
                case 3 -> (float) r.nextGaussian() * 1e5f; // beyond F16 range sometimes
                case 4 -> r.nextInt(3);                    // 0, 1, 2 for BOOL
                default -> r.nextFloat() * 100 - 50;
            };
        }
        return Tensor.fromFloats(v, shape);
    }

    /** The same source values as dtype {@code dt} in the named layout (blocks types only in layouts that keep blocks whole). */
    static Tensor source(Tensor vals, DType dt, String kind) {
        return Layouts.layout(vals, dt, kind);
    }

    static void assertSameCopy(Tensor src, Tensor dst, String what) {
        Tensor a = Layouts.cloneStorage(dst), b = Layouts.cloneStorage(dst);
        Layouts.REF.copy(src, a);
        CPU.copy(src, b);
        if (src.dtype() == dst.dtype() && src.dtype().isQuantized()) {
            // the CPU backend copies blocks verbatim; the reference re-quantises: compare the values it reads back instead
            assertArrayEquals(src.toFloatArray(), b.toFloatArray(), what);
            return;
        }
        assertArrayEquals(Layouts.storageBytes(a), Layouts.storageBytes(b), what);
    }

    @TestFactory Stream<DynamicTest> everyDtypePairAndLayout() {
        List<DynamicTest> tests = new ArrayList<>();
        Random r = new Random(11);
        int[][] shapes = {{1}, {3}, {17, 5}, {4097}, {3, 64}, {2, 3, 96}};
        for (int[] shape : shapes) {
            Tensor vals = values(r, shape);
            for (DType from : ALL) {
                for (String sk : Layouts.kinds(shape.length)) {
                    boolean big = shape[0] == 4097;
                    if (big && !sk.equals("contiguous")) continue;
                    if (from.isQuantized() && (shape[shape.length - 1] % 32 != 0 || sk.equals("narrowed") || sk.equals("transposed") || sk.equals("permuted"))) continue;
                    Tensor src = source(vals, from, sk);
                    for (DType to : ALL) {
                        for (String dk : List.of("contiguous", "narrowed", "transposed", "outerNarrowed")) {
                            if (shape.length < 2 && dk.equals("transposed")) continue;
                            if (big && !dk.equals("narrowed")) continue;
                            if (to.isQuantized() && (shape[shape.length - 1] % 32 != 0 || dk.equals("narrowed") || dk.equals("transposed"))) continue;
                            Tensor dst = Layouts.layout(Tensor.zeros(DType.F32, shape), to, dk);
                            String name = from + " " + sk + " → " + to + " " + dk + " " + Layouts.shape(shape);
                            tests.add(DynamicTest.dynamicTest(name, () -> assertSameCopy(src, dst, name)));
                        }
                    }
                }
            }
        }
        return tests.stream();
    }

    @Test void broadcastSources() {
        Random r = new Random(12);
        Tensor row = values(r, 1, 64), col = values(r, 5, 1), scalar = values(r, 1);
        for (DType to : new DType[] {DType.F32, DType.F16, DType.BF16, DType.I32, DType.Q8_0, DType.Q4_0}) {
            for (DType from : new DType[] {DType.F32, DType.F16, DType.I64}) {
                assertSameCopy(Layouts.REF.copyOf(row, from).expand(5, 64), Tensor.zeros(to, 5, 64), "row " + from + " → " + to);
                assertSameCopy(Layouts.REF.copyOf(col, from), Tensor.zeros(to, 5, 64), "column " + from + " → " + to);
                assertSameCopy(Layouts.REF.copyOf(scalar, from).view(), Tensor.zeros(to, 5, 64), "scalar " + from + " → " + to);
            }
        }
    }

    @Test void largeCopiesSplitAcrossThreadsStayExact() {
        Random r = new Random(13);
        Tensor v = values(r, 300, 1024);
        for (DType to : new DType[] {DType.F32, DType.F16, DType.BF16, DType.I8, DType.Q8_0, DType.Q4_0}) {
            assertSameCopy(v, Tensor.zeros(to, 300, 1024), "contiguous → " + to);
        }
        assertSameCopy(v.transpose(0, 1), Tensor.zeros(DType.F32, 1024, 300), "transpose");
        assertSameCopy(Layouts.REF.copyOf(v, DType.F16).transpose(0, 1), Tensor.zeros(DType.BF16, 1024, 300), "f16 transpose → bf16");
    }

    /** Layouts that take the tiled transpose path: one source dimension contiguous, the destination's last. */
    @Test void transposedCopiesByTiles() {
        Random r = new Random(14);
        Tensor nchw = values(r, 2, 37, 9, 23); // C and H·W not multiples of the 64 tile
        for (DType dt : new DType[] {DType.F32, DType.F16, DType.I64, DType.U8}) {
            Tensor src = Layouts.REF.copyOf(nchw, dt);
            assertSameCopy(src.flatten(2, 3).transpose(1, 2), Tensor.zeros(dt, 2, 9 * 23, 37), dt + " NCHW → NHWC");
            assertSameCopy(src.permute(0, 2, 3, 1), Tensor.zeros(dt, 2, 9, 23, 37), dt + " NCHW → NHWC 4-d");
            assertSameCopy(src.permute(3, 1, 0, 2), Tensor.zeros(dt, 23, 37, 2, 9).narrow(3, 0, 9), dt + " scrambled");
        }
        Tensor big = values(r, 3, 200, 130);
        assertSameCopy(big.transpose(1, 2), Tensor.zeros(DType.F32, 3, 130, 200), "batched 200×130");
        assertSameCopy(big.transpose(1, 2), Tensor.zeros(DType.F32, 3, 130, 260).narrow(2, 30, 200), "into a strided destination");
    }

    @Test void fillEveryDtypeAndLayout() {
        float[] values = {0f, -0f, 1.5f, -2.5f, 300f, -1e9f, 65519f, Float.NaN, 3.0e38f};
        for (DType dt : ALL) {
            for (String k : List.of("contiguous", "narrowed", "transposed", "outerNarrowed")) {
                if (dt.isQuantized() && !(k.equals("contiguous") || k.equals("outerNarrowed"))) continue;
                for (float value : values) {
                    Tensor dst = Layouts.layout(Tensor.zeros(DType.F32, 7, 64), dt, k);
                    Tensor a = Layouts.cloneStorage(dst), b = Layouts.cloneStorage(dst);
                    Layouts.REF.fill(a, value);
                    CPU.fill(b, value);
                    assertArrayEquals(Layouts.storageBytes(a), Layouts.storageBytes(b), "fill " + dt + " " + k + " with " + value);
                }
            }
        }
        Tensor big = Tensor.zeros(DType.F32, 512, 1024), bigRef = Tensor.zeros(DType.F32, 512, 1024);
        CPU.fill(big, 0.25f);
        Layouts.REF.fill(bigRef, 0.25f);
        assertArrayEquals(Layouts.storageBytes(bigRef), Layouts.storageBytes(big), "large fill");
    }
}
