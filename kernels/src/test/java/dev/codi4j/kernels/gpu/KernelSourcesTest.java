package dev.codi4j.kernels.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.UnaryOp;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Program assembly (prelude, defines, include expansion) and the constants shared between Java and the kernels. */
class KernelSourcesTest {

    private static int define(String source, String name) {
        Matcher m = Pattern.compile("#define " + name + " (\\d+)").matcher(source);
        assertTrue(m.find(), name + " is defined in common.h");
        return Integer.parseInt(m.group(1));
    }

    @Test void kernelConstantsAreTheJavaOrdinals() {
        String common = KernelSources.read(KernelSources.SHARED_DIR + "common.h");
        for (DType d : DType.values()) assertEquals(d.ordinal(), define(common, "DT_" + d.name()), "DType " + d);
        for (UnaryOp op : UnaryOp.values()) assertEquals(op.ordinal(), define(common, "OP_" + op.name()), "UnaryOp " + op);
        for (BinaryOp op : BinaryOp.values()) assertEquals(op.ordinal(), define(common, "BOP_" + op.name()), "BinaryOp " + op);
        for (ReduceOp op : ReduceOp.values()) assertEquals(op.ordinal(), define(common, "ROP_" + op.name()), "ReduceOp " + op);
    }

    @Test void programsStartWithTheDialectPreludeAndExpandIncludes() {
        String cl = KernelSources.program(Dialect.OPENCL, "gemm.cl", Map.of());
        String cu = KernelSources.program(Dialect.CUDA, "gemm.cl", Map.of());
        assertTrue(cl.contains("#define KERNEL __kernel void") && !cl.contains("__global__"), "OpenCL prelude");
        assertTrue(cu.contains("#define KERNEL extern \"C\" __global__ void") && !cu.contains("__kernel"), "CUDA prelude");
        for (String src : new String[] {cl, cu}) {
            assertFalse(src.contains("#include \""), "every include is expanded");
            assertTrue(src.contains("#line 1 \"common.h\""), "line markers name the included file");
            // the GEMM template is spliced in once per kernel that uses it
            assertEquals(3, src.split("#line 1 \"gemm_core.h\"", -1).length - 1);
        }
        String gemv = KernelSources.program(Dialect.OPENCL, "gemv.cl", Map.of("W_DT", "9"));
        assertTrue(gemv.indexOf("#define W_DT 9") < gemv.indexOf("#line 1 \"gemv.cl\""), "defines precede the program text");
        String cuda = KernelSources.program(Dialect.CUDA, "dev/codi4j/kernels/cuda/gemv.cu", Map.of());
        assertTrue(cuda.contains("#line 1 \"common.h\""), "a CUDA file's include of a shared header resolves to the shared folder");
        assertThrows(IllegalArgumentException.class, () -> KernelSources.program(Dialect.OPENCL, "gemv.cl", Map.of("W DT", "1")));
        assertThrows(IllegalStateException.class, () -> KernelSources.program(Dialect.OPENCL, "no-such.cl", Map.of()));
    }

    @Test void programKeysAndHashesSeparateSpecialisations() {
        KernelRef a = new KernelRef("gemv.cl", Map.of("W_DT", "1"), "linear_gemv"), b = new KernelRef("gemv.cl", Map.of("W_DT", "8"), "linear_gemv");
        assertFalse(a.programKey().equals(b.programKey()));
        assertFalse(KernelSources.hash("x", "y").equals(KernelSources.hash("xy")), "hash parts are delimited");
    }

    @Test void layoutsCollapseContiguousAndBroadcastDimensions() {
        Layouts.Collapsed c = Layouts.collapse(new int[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {0, 0, 1});
        assertEquals("[6, 4]", java.util.Arrays.toString(c.dims()), "a contiguous and a row-broadcast layout share (6, 4)");
        c = Layouts.collapse(new int[] {2, 1, 5}, new long[] {5, 99, 1});
        assertEquals("[10]", java.util.Arrays.toString(c.dims()));
        c = Layouts.collapse(new int[] {1, 1}, new long[] {7, 3});
        assertEquals("[1]", java.util.Arrays.toString(c.dims()));
        c = Layouts.collapse(new int[] {3, 4}, new long[] {1, 3});
        assertEquals("[3, 4]", java.util.Arrays.toString(c.dims()), "a transpose does not merge");
    }

    @Test void poolRoundsToSizeClassesAndReusesBuffers() {
        assertEquals(256, MemoryPool.sizeClass(1));
        assertEquals(4096, MemoryPool.sizeClass(4000));
        assertEquals((1 << 21) + (1 << 18), MemoryPool.sizeClass((1 << 21) + 1), "sixteenths of the next power of two");
        RecordingRuntime rt = new RecordingRuntime(Dialect.CUDA);
        MemoryPool pool = new MemoryPool(rt, 1 << 20);
        long[] a = pool.allocate(1000);
        pool.release(a[0], a[1]);
        assertEquals(0, pool.liveBytes(), "released bytes are not live");
        long[] b = pool.allocate(900);
        assertEquals(a[0], b[0], "a released buffer of the same size class is reused");
        assertEquals(1024, pool.liveBytes());
    }
}
