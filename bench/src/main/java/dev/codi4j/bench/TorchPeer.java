package dev.codi4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch peer as a served process ({@code bench/diffusion_torch.py --serve}): models are built
 * once, and each {@link #time} runs one forward, so codi4j and PyTorch can alternate round by round
 * and see the same load on a shared machine. Started in PEERS.md's best configuration: OpenMP
 * OpenBLAS, jemalloc with decay off, avx512, no OPENBLAS_CORETYPE/L2 overrides.
 */
final class TorchPeer implements AutoCloseable {
    private final Process process;
    private final BufferedReader in;
    private final Writer cmd;
    private final PrintStream log;
    private double peakRssMiB = Double.NaN;
    private String failure;

    private TorchPeer(Process process, PrintStream log) {
        this.process = process;
        this.in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.cmd = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.log = log;
    }

    static TorchPeer start(String python, Path script, int threads, List<String> extraEnv, PrintStream log) throws IOException {
        List<String> c = List.of(python, script.toString(), "--serve", "--threads", Integer.toString(threads));
        ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        if (Files.isDirectory(Path.of("/usr/lib/x86_64-linux-gnu/openblas-openmp"))) env.put("LD_LIBRARY_PATH", "/usr/lib/x86_64-linux-gnu/openblas-openmp");
        if (Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"))) {
            env.put("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2");
            env.put("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1");
        }
        env.put("ATEN_CPU_CAPABILITY", "avx512");
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        for (String kv : extraEnv) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--peer-env needs KEY=VALUE, got '" + kv + "'");
            env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        log.println("peer torch: " + String.join(" ", c) + "  (OpenMP OpenBLAS, jemalloc, avx512, channels-last, inference_mode"
                + (extraEnv.isEmpty() ? "" : ", " + String.join(" ", extraEnv)) + ")");
        TorchPeer p = new TorchPeer(pb.start(), log);
        String line;
        while ((line = p.in.readLine()) != null && !line.equals("READY")) log.println("  torch| " + line);
        if (line == null) throw new IOException("the PyTorch peer exited before it was ready (exit " + p.exitCode() + ")");
        return p;
    }

    /** Seconds of one forward ("unet" or "vae" at {@code side}²), or NaN once the peer has died (e.g. killed for memory). */
    double time(String kind, int side) {
        if (failure != null) return Double.NaN;
        try {
            cmd.write(kind + " " + side + "\n");
            cmd.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("TIME ")) {
                    String[] f = line.split(" ");
                    peakRssMiB = Double.parseDouble(f[3]);
                    return Double.parseDouble(f[2]);
                }
                log.println("  torch| " + line);
            }
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        }
        if (failure == null) failure = "exited with " + exitCode() + (exitCode() == 137 ? " (killed: out of memory on this shared machine?)" : "");
        log.println("peer torch stopped: " + failure);
        return Double.NaN;
    }

    double peakRssMiB() { return peakRssMiB; }

    boolean alive() { return failure == null; }

    private int exitCode() {
        try {
            process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            return process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override public void close() {
        try {
            cmd.write("quit\n");
            cmd.flush();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) process.destroy();
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
    }

    static List<String> none() { return new ArrayList<>(); }
}
