package dev.codi4j.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A shared library opened with {@code java.lang.foreign}, found by trying names and folders in order. */
final class NativeLib {
    private static final Linker LINKER = Linker.nativeLinker();

    final String name;
    private final SymbolLookup lookup;

    private NativeLib(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /** The first of {@code names} that loads (bare names go through the dynamic loader's search), or empty. */
    static Optional<NativeLib> open(List<String> names) {
        for (String n : names) {
            try {
                if (n.contains("/") && !Files.isRegularFile(Path.of(n))) continue;
                return Optional.of(new NativeLib(n, SymbolLookup.libraryLookup(n, Arena.global())));
            } catch (IllegalArgumentException e) {
                // not found under this name
            }
        }
        return Optional.empty();
    }

    boolean has(String symbol) { return lookup.find(symbol).isPresent(); }

    /** A downcall handle, or an {@link IllegalStateException} naming the missing symbol. */
    MethodHandle fn(String symbol, FunctionDescriptor signature) {
        if (signature == null) throw new IllegalArgumentException("no signature for " + symbol);
        MemorySegment s = lookup.find(symbol).orElseThrow(() -> new IllegalStateException(name + " has no symbol " + symbol + " (too old a version?)"));
        return LINKER.downcallHandle(s, signature);
    }

    /** Library file names to try: an override, then versioned and plain names in common CUDA folders. */
    static List<String> candidates(String override, List<String> bareNames, List<String> folders) {
        List<String> out = new ArrayList<>();
        if (override != null && !override.isBlank()) { out.add(override); return out; }
        out.addAll(bareNames);
        for (String f : folders) {
            if (f == null || f.isBlank()) continue;
            for (String n : bareNames) out.add(Path.of(f, n).toString());
        }
        return out;
    }
}
