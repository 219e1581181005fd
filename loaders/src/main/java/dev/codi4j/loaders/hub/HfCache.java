package dev.codi4j.loaders.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub cache as huggingface_hub lays it out, so models downloaded with Python are
 * found without copying:
 * <pre>
 * $HF_HUB_CACHE (default $HF_HOME/hub, default ~/.cache/huggingface/hub)
 *   models--org--name/
 *     refs/main                  → commit hash
 *     blobs/&lt;etag&gt;                file contents (sha256 for LFS files, git blob sha1 otherwise)
 *     snapshots/&lt;commit&gt;/path    symlinks to ../../blobs/&lt;etag&gt;
 * </pre>
 */
public final class HfCache {
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

    private final Path root;

    public HfCache(Path root) { this.root = root; }

    /** The cache of this environment (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, then ~/.cache). */
    public static HfCache fromEnvironment() { return new HfCache(defaultRoot(System.getenv(), Path.of(System.getProperty("user.home")))); }

    static Path defaultRoot(Map<String, String> env, Path home) {
        String v = env.get("HF_HUB_CACHE");
        if (v == null || v.isBlank()) v = env.get("HUGGINGFACE_HUB_CACHE");
        if (v != null && !v.isBlank()) return Path.of(expand(v, home));
        String hfHome = env.get("HF_HOME");
        if (hfHome != null && !hfHome.isBlank()) return Path.of(expand(hfHome, home)).resolve("hub");
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(expand(xdg, home)) : home.resolve(".cache");
        return cache.resolve("huggingface").resolve("hub");
    }

    private static String expand(String p, Path home) { return p.startsWith("~/") ? home.resolve(p.substring(2)).toString() : p; }

    public Path root() { return root; }

    /** Checks an {@code org/name} (or {@code name}) repository id; throws naming the bad id. */
    public static String checkRepoId(String repoId) {
        if (repoId == null || !REPO_ID.matcher(repoId).matches() || repoId.contains("..") || repoId.contains("--"))
            throw new IllegalArgumentException("'" + repoId + "' is not a Hugging Face repository id (expected org/name, e.g. meta-llama/Llama-2-7b-chat-hf)");
        return repoId;
    }

    public static boolean isCommit(String revision) { return COMMIT.matcher(revision).matches(); }

    /** {@code models--org--name}. */
    public Path repoFolder(String repoId) { return root.resolve("models--" + checkRepoId(repoId).replace("/", "--")); }

    /** The commit a revision (branch, tag or commit) points to in this cache, if known. */
    public Optional<String> commit(String repoId, String revision) throws IOException {
        if (isCommit(revision)) return Optional.of(revision);
        Path ref = repoFolder(repoId).resolve("refs").resolve(checkRevision(revision));
        if (!Files.isRegularFile(ref)) return Optional.empty();
        String c = Files.readString(ref, StandardCharsets.UTF_8).trim();
        return isCommit(c) ? Optional.of(c) : Optional.empty();
    }

    /** The snapshot folder of a revision, if it was downloaded. */
    public Optional<Path> snapshot(String repoId, String revision) throws IOException {
        Optional<String> c = commit(repoId, revision);
        if (c.isEmpty()) return Optional.empty();
        Path s = repoFolder(repoId).resolve("snapshots").resolve(c.get());
        return Files.isDirectory(s) ? Optional.of(s) : Optional.empty();
    }

    static String checkRevision(String revision) {
        if (revision.isEmpty() || revision.contains("..") || revision.startsWith("/") || revision.contains("\\"))
            throw new IllegalArgumentException("'" + revision + "' is not a valid revision (a branch, tag or 40-character commit)");
        return revision;
    }
}
