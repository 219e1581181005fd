package dev.codi4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.opencl.OpenClBackendProvider;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The imagebind and diffusion benchmarks at their smoke sizes on the OpenCL backend (PoCL on a
 * CPU-only machine; seconds): the models run on the device, the CPU-only ceiling and peer are
 * skipped with a line saying so. Skipped when no OpenCL platform is installed.
 */
class BenchOnOpenClTest {

    @BeforeEach void needOpenCl() {
        BackendProvider.Availability a = new OpenClBackendProvider().availability();
        assumeTrue(a.available(), () -> "OpenCL bench tests skipped: " + a.reason());
    }

    /** Runs a bench command that prints to System.out (captured: the command reads System.out when constructed). */
    static String run(Supplier<? extends Callable<Integer>> command, String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(ps);
            rc = new CommandLine(command.get()).execute(args);
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        return out;
    }

    @Test void imagebindSmallOnOpenCl() {
        String out = run(ImageBindBench::new, "--device", "opencl", "--size", "small", "--reps", "1");
        assertTrue(out.contains("backend opencl, device opencl backend on opencl:0"), out);
        assertTrue(out.contains("ceiling and peer: skipped on opencl"), out);
        assertTrue(out.matches("(?s).*codi4j vision small ViT/14 224² batch 1 +[0-9.]+ images/s.*"), out);
        assertTrue(out.matches("(?s).*codi4j audio 128x204 mel batch 3 +[0-9.]+ clips/s.*"), out);
        assertTrue(!out.contains("of fma peak"), out);
    }

    @Test void diffusionTinyOnOpenCl() {
        String out = run(DiffusionBench::new, "--device", "opencl", "--size", "tiny");
        assertTrue(out.contains("backend opencl, device opencl backend on opencl:0"), out);
        assertTrue(out.contains("ceiling and peer: skipped on opencl"), out);
        assertTrue(out.matches("(?s).*\nunet step 64² cfg batch 2 +[0-9.]+ s .*"), out);
        assertTrue(out.matches("(?s).*\nvae decode 64² +[0-9.]+ s .*"), out);
        assertTrue(out.contains("device tensors"), out);
        assertTrue(!out.contains("of FMA peak"), out);
    }
}
