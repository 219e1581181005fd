package dev.codi4j.kernels.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembles the text of a GPU program: the dialect's prelude, the program's defines, then the
 * kernel file with its {@code #include "..."} lines expanded here (neither {@code
 * clCreateProgramWithSource} nor NVRTC can see our class path), with {@code #line} markers so
 * compiler messages name the resource and line. As in C, a file is spliced in at every include
 * (gemm_core.h is a template included once per GEMM); an include cycle is an error.
 */
public final class KernelSources {
    private KernelSources() {}

    /** Where the shared (dialect-neutral) kernel sources live on the class path. */
    public static final String SHARED_DIR = "dev/codi4j/kernels/gpu/";

    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"\\s*$");
    private static final Map<String, String> TEXT = new ConcurrentHashMap<>();

    /** The full source of {@code file} (a name under {@link #SHARED_DIR} or a path with a folder) for a dialect. */
    public static String program(Dialect dialect, String file, Map<String, String> defines) {
        StringBuilder sb = new StringBuilder(1 << 15);
        sb.append("// codi4j ").append(dialect.name().toLowerCase(java.util.Locale.ROOT)).append(" program ").append(file).append('\n');
        append(sb, dialect.prelude(), new ArrayDeque<>());
        for (Map.Entry<String, String> e : new TreeMap<>(defines).entrySet()) {
            if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("bad macro name '" + e.getKey() + "'");
            sb.append("#define ").append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        append(sb, resolve(file, null), new ArrayDeque<>());
        return sb.toString();
    }

    /** SHA-256 of a program's text and compile options: the key of the on-disk binary cache. */
    public static String hash(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update(p.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resolve(String name, String includer) {
        if (name.contains("/")) return name;
        if (includer != null) {
            String dir = includer.substring(0, includer.lastIndexOf('/') + 1);
            if (KernelSources.class.getClassLoader().getResource(dir + name) != null) return dir + name;
        }
        return SHARED_DIR + name;
    }

    private static void append(StringBuilder sb, String path, Deque<String> stack) {
        if (stack.contains(path)) throw new IllegalStateException("kernel source include cycle: " + stack + " -> " + path);
        stack.push(path);
        String text = read(path);
        String[] lines = text.split("\n", -1);
        String label = path.substring(path.lastIndexOf('/') + 1);
        sb.append("#line 1 \"").append(label).append("\"\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INCLUDE.matcher(lines[i]);
            if (m.matches()) {
                append(sb, resolve(m.group(1), path), stack);
                sb.append("#line ").append(i + 2).append(" \"").append(label).append("\"\n");
            } else {
                sb.append(lines[i]).append('\n');
            }
        }
        stack.pop();
    }

    /** The text of a class-path resource (cached). */
    public static String read(String path) {
        return TEXT.computeIfAbsent(path, p -> {
            try (InputStream in = KernelSources.class.getClassLoader().getResourceAsStream(p)) {
                if (in == null) throw new IllegalStateException("kernel source " + p + " is missing from the class path (a broken codi4j-kernels jar?)");
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("reading kernel source " + p, e);
            }
        });
    }
}
