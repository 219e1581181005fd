package dev.codi4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * OpenBLAS's {@code cblas_sgemm}, called in-process through {@code java.lang.foreign} on our own
 * buffers: the GEMM peer, with no build step. Prefers Debian's OpenMP build (the faster one here, see
 * PEERS.md) and clears {@code OPENBLAS_CORETYPE}/{@code OPENBLAS_L2_SIZE} before loading it, since
 * those force a slow generic kernel.
 */
public final class OpenBlas {
    private static final List<String> CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0");
    static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

    private final String path;
    private final MethodHandle sgemm, setThreads, config;

    private OpenBlas(String path, SymbolLookup lib) {
        this.path = path;
        Linker linker = Linker.nativeLinker();
        ValueLayout.OfInt i = ValueLayout.JAVA_INT;
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        ValueLayout a = ValueLayout.ADDRESS;
        this.sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, a, i, a, i, f, a, i));
        this.setThreads = linker.downcallHandle(lib.find("openblas_set_num_threads").orElseThrow(), FunctionDescriptor.ofVoid(i));
        this.config = lib.find("openblas_get_config").map(s -> linker.downcallHandle(s, FunctionDescriptor.of(a))).orElse(null);
    }

    /** Loads the first OpenBLAS found, or explains why none could be. */
    public static Result load() {
        String found = CANDIDATES.stream().filter(p -> Files.isReadable(Path.of(p))).findFirst().orElse(null);
        if (found == null) return new Result(Optional.empty(), "libopenblas not found (Debian: apt-get install libopenblas0-openmp)");
        try {
            unsetenv("OPENBLAS_CORETYPE");
            unsetenv("OPENBLAS_L2_SIZE");
            return new Result(Optional.of(new OpenBlas(found, SymbolLookup.libraryLookup(Path.of(found), Arena.global()))), "");
        } catch (RuntimeException | LinkageError e) {
            return new Result(Optional.empty(), "cannot load " + found + ": " + e);
        }
    }

    public record Result(Optional<OpenBlas> blas, String whyNot) {
        /** No peer for this measurement. */
        public static Result none() { return new Result(Optional.empty(), "not compared"); }
    }

    private static void unsetenv(String name) {
        Linker linker = Linker.nativeLinker();
        linker.defaultLookup().find("unsetenv").ifPresent(sym -> {
            try (Arena a = Arena.ofConfined()) {
                int ignored = (int) linker.downcallHandle(sym, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS)).invokeExact(a.allocateFrom(name));
            } catch (Throwable t) {
                throw new IllegalStateException("unsetenv(" + name + ") failed", t);
            }
        });
    }

    public String path() { return path; }

    /** OpenBLAS's build description (core type, threading), or "" if the library does not say. */
    public String config() {
        if (config == null) return "";
        try {
            return ((MemorySegment) config.invokeExact()).reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    public void threads(int n) {
        try {
            setThreads.invokeExact(n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Row-major C (m×n) = A (m×k) · B, with B given as (n×k) and transposed when {@code bTransposed} (the nn.Linear layout). */
    public void sgemm(int m, int n, int k, MemorySegment a, MemorySegment b, boolean bTransposed, MemorySegment c) {
        try {
            sgemm.invokeExact(ROW_MAJOR, NO_TRANS, bTransposed ? TRANS : NO_TRANS, m, n, k, 1f, a, k, b, bTransposed ? k : n, 0f, c, n);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
