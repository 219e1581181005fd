package dev.codi4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.codi4j.kernels.opencl.OpenClBackendProvider;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The llm benchmark end to end at the tiny size (seconds), including the llama.cpp side with a stand-in llama-bench. */
class LlmBenchTest {

    static String run(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new LlmBench());
        cl.setOut(new PrintWriter(sw, true));
        int rc = cl.execute(args);
        assertEquals(0, rc, sw.toString());
        return sw.toString();
    }

    static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test void tinyInMemoryRunPrintsEveryFigure() {
        String out = run("--size", "tiny", "--dtype", "q8_0", "--prompt", "16", "--gen", "4", "--ctx", "8,32", "--reps", "1", "--bandwidth-bytes", "16777216", "--llama-bench", "", "--profile");
        assertTrue(number(out, "memory read bandwidth ([0-9.]+) GB/s") > 0);
        assertTrue(number(out, "prefill 16 tokens: ([0-9.]+) tok/s") > 0);
        assertTrue(number(out, "decode @8: ([0-9.]+) tok/s") > 0);
        assertTrue(number(out, "decode @32: ([0-9.]+) tok/s") > 0);
        assertTrue(out.contains("roofline: weights"), out);
        assertTrue(number(out, "peak RSS \\(VmHWM\\): ([0-9.]+) GiB") > 0);
        assertTrue(out.matches("(?s).*time per op in decode @8:\\s+op .*linear Q8_0\\s+[0-9.]+\\s+75 .*"), out);
        assertTrue(out.contains("time per op in prefill:"), out);
    }

    /** The tiny model on the OpenCL backend (PoCL on a CPU-only machine): device-resident weights and KV cache, filled at random for the decode contexts. */
    /** The page-fault count that flags disturbed timings parses /proc/self/stat (a mapped file read from disk raises it). */
    @Test void majorFaultsAreCountedOnLinux(@TempDir Path tmp) throws IOException {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "no /proc: major faults are not counted here");
        long before = LlmBench.majorFaults();
        assertTrue(before >= 0, "majflt " + before);
        assertTrue(LlmBench.majorFaults() >= before);
    }

    @Test void tinyRunOnOpenCl() {
        BackendProvider.Availability a = new OpenClBackendProvider().availability();
        assumeTrue(a.available(), () -> "OpenCL bench test skipped: " + a.reason());
        String out = run("--device", "opencl", "--size", "tiny", "--prompt", "16", "--gen", "4", "--ctx", "8,32", "--reps", "1", "--bandwidth-bytes", "16777216", "--llama-bench", "");
        assertTrue(out.contains("backend opencl"), out);
        assertTrue(out.contains("device: opencl backend on opencl:0"), out);
        assertTrue(number(out, "prefill 16 tokens: ([0-9.]+) tok/s") > 0);
        assertTrue(number(out, "decode @8: ([0-9.]+) tok/s") > 0);
        assertTrue(number(out, "decode @32: ([0-9.]+) tok/s") > 0);
    }

    @Test void ggufRunComparesWithLlamaBenchOnTheSameFile(@TempDir Path tmp) throws IOException {
        Path fake = tmp.resolve("llama-bench");
        Path seen = tmp.resolve("args.txt");
        // a stand-in that records its arguments and answers like llama-bench -o json
        Files.writeString(fake, "#!/bin/sh\necho \"$@\" >> '" + seen + "'\n"
                + "case \"$*\" in *--help*) echo '  -d, --n-depth <n>'; exit 0;; esac\n"
                + "case \"$*\" in *'-d 32'*) echo '[{\"n_prompt\":0,\"n_gen\":4,\"n_depth\":32,\"avg_ts\":50.0}]';;"
                + " *) echo '[{\"n_prompt\":16,\"n_gen\":0,\"avg_ts\":100.0},{\"n_prompt\":0,\"n_gen\":8,\"avg_ts\":200.0}]';; esac\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Path gguf = tmp.resolve("tiny-q4.gguf");
        String out = run("--size", "tiny", "--dtype", "q4_0", "--prompt", "16", "--gen", "4", "--ctx", "8,32", "--reps", "1",
                "--bandwidth-bytes", "16777216", "--gguf", gguf.toString(), "--llama-bench", fake.toString(), "--llama-gen", "8");
        assertTrue(Files.size(gguf) > 0 && out.contains("GGUF, memory-mapped"), out);
        String args = Files.readString(seen);
        assertTrue(args.contains("-m " + gguf + " -t ") && args.contains("-p 16 -n 8"), args);
        double ours = number(out, "prefill 16 tokens: ([0-9.]+) tok/s");
        assertEquals(ours / 100.0, number(out, "ratio prefill 16 \\(codi4j/llama.cpp\\): ([0-9.]+)"), 0.01 + ours / 100.0 * 0.01);
        assertTrue(out.contains("ratio decode @8 vs llama.cpp tg8 (depth 0)"), out);
        assertTrue(out.contains("ratio decode @32 vs llama.cpp tg@32"), out);
        assertFalse(out.contains("NOT met"), out);
    }
}
