package dev.codi4j.kernels.gpu;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled GPU programs on disk (OpenCL binaries, PTX/CUBIN), keyed by a hash of device, driver,
 * options and source text, so a second run skips the compiler. Folder: {@code codi4j.cache.dir}
 * (system property) or {@code CODI4J_CACHE_DIR}, else {@code ~/.cache/codi4j}; {@code
 * -Dcodi4j.kernel.cache=false} turns it off. A damaged or stale entry only costs a recompile: the
 * caller falls back to the source and overwrites it. Files are written to a temporary name and moved
 * into place, so a crash never leaves a partial entry.
 */
public final class BinaryCache {
    private static final Logger LOG = LoggerFactory.getLogger(BinaryCache.class);

    private final Path dir;

    private BinaryCache(Path dir) { this.dir = dir; }

    /** The cache for one API ("opencl", "cuda"), or a disabled one. */
    public static BinaryCache forApi(String api) {
        if ("false".equalsIgnoreCase(System.getProperty("codi4j.kernel.cache", "true"))) return new BinaryCache(null);
        String base = System.getProperty("codi4j.cache.dir", System.getenv("CODI4J_CACHE_DIR"));
        Path root = base != null && !base.isBlank() ? Path.of(base) : Path.of(System.getProperty("user.home", "."), ".cache", "codi4j");
        return new BinaryCache(root.resolve(api));
    }

    public boolean enabled() { return dir != null; }

    /** The stored bytes for {@code key}, or null. */
    public byte[] get(String key) {
        if (dir == null) return null;
        Path p = dir.resolve(key + ".bin");
        try {
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        } catch (IOException e) {
            LOG.debug("kernel cache: cannot read {}: {}", p, e.toString());
            return null;
        }
    }

    public void put(String key, byte[] data) {
        if (dir == null || data == null || data.length == 0) return;
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            try {
                Files.write(tmp, data);
                try {
                    Files.move(tmp, dir.resolve(key + ".bin"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, dir.resolve(key + ".bin"), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            LOG.debug("kernel cache: cannot write {}: {}", dir, e.toString());
        }
    }

    /** Drops an entry that failed to load. */
    public void remove(String key) {
        if (dir == null) return;
        try { Files.deleteIfExists(dir.resolve(key + ".bin")); } catch (IOException ignored) { /* a stale file only costs a recompile */ }
    }
}
