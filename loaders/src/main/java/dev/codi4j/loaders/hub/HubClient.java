package dev.codi4j.loaders.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.codi4j.loaders.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a Hugging Face repository revision into the hub cache layout huggingface_hub uses
 * ({@link HfCache}), so Python and codi4j share downloads. Like {@code snapshot_download}: the file
 * list comes from {@code /api/models/{repo}/revision/{rev}}, each file's commit, etag and size from a
 * HEAD of {@code /{repo}/resolve/{commit}/{file}} ({@code X-Repo-Commit}, {@code X-Linked-Etag} /
 * {@code ETag}, {@code X-Linked-Size} / {@code Content-Length}); blobs are stored by etag and linked
 * from {@code snapshots/<commit>/}. Downloads resume from {@code blobs/<etag>.incomplete} with HTTP
 * Range requests, and every file is verified (size, and SHA-256 for LFS files or the git blob SHA-1
 * for others) before it appears in the snapshot. {@code HF_TOKEN} is sent as a bearer token (never to
 * another host after a redirect); {@code HF_ENDPOINT} replaces https://huggingface.co.
 */
public final class HubClient {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

    /** Follows downloads; every method has a no-op default. Called from the downloading thread. */
    public interface Progress {
        /** A file starts: {@code size} bytes in total, {@code resumedFrom} of them already on disk. */
        default void start(String file, long size, long resumedFrom) {}
        default void advance(String file, long bytes) {}
        /** The file is complete and verified ({@code cached}: nothing had to be fetched). */
        default void finish(String file, boolean cached) {}
    }

    /** What a download produced. */
    public record Snapshot(String repoId, String commit, Path folder, List<String> files) {}

    private final URI endpoint;
    private final String token;
    private final HfCache cache;
    private final HttpClient http;

    public HubClient(URI endpoint, String token, HfCache cache) {
        String e = endpoint.toString();
        this.endpoint = URI.create(e.endsWith("/") ? e : e + "/");
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.cache = cache;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** HF_ENDPOINT, HF_TOKEN (or the token file huggingface-cli login writes) and the environment's cache. */
    public static HubClient fromEnvironment(HfCache cache) {
        String ep = System.getenv("HF_ENDPOINT");
        String token = System.getenv("HF_TOKEN");
        if (token == null || token.isBlank()) {
            String home = System.getenv("HF_HOME");
            Path tokenFile = (home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"), ".cache", "huggingface")).resolve("token");
            try { if (Files.isRegularFile(tokenFile)) token = Files.readString(tokenFile).trim(); } catch (IOException ignored) { /* no token */ }
        }
        return new HubClient(URI.create(ep == null || ep.isBlank() ? "https://huggingface.co" : ep), token, cache);
    }

    public HfCache cache() { return cache; }

    /**
     * Downloads the files of {@code repoId} at {@code revision} whose paths match any of
     * {@code includes} (fnmatch globs as huggingface_hub uses them: {@code *} also matches '/'; empty
     * = all files) and returns the snapshot folder.
     */
    public Snapshot download(String repoId, String revision, List<String> includes, Progress progress) throws IOException {
        HfCache.checkRepoId(repoId);
        String rev = HfCache.checkRevision(revision == null ? "main" : revision);
        Progress p = progress == null ? new Progress() {} : progress;
        JsonObject info = json(get(endpoint.resolve("api/models/" + repoId + "/revision/" + enc(rev)), repoId, "list files of"), repoId);
        String commit = info.has("sha") && info.get("sha").isJsonPrimitive() ? info.get("sha").getAsString() : null;
        if (commit == null || !HfCache.isCommit(commit)) throw new HubException("the hub gave no commit for " + repoId + "@" + rev + " (answer: " + abbreviate(info.toString()) + ")", -1);
        List<String> all = new ArrayList<>();
        if (info.has("siblings") && info.get("siblings").isJsonArray())
            for (JsonElement s : info.getAsJsonArray("siblings"))
                if (s.isJsonObject() && s.getAsJsonObject().has("rfilename")) all.add(checkFileName(s.getAsJsonObject().get("rfilename").getAsString(), repoId));
        List<String> wanted = new ArrayList<>();
        for (String f : all) if (includes == null || includes.isEmpty() || includes.stream().anyMatch(g -> fnmatch(g, f))) wanted.add(f);
        if (wanted.isEmpty())
            throw new HubException(repoId + "@" + rev + " has no file matching " + includes + " (it has " + all.size() + " files, e.g. " + all.stream().limit(8).toList() + ")", -1);
        Path repo = cache.repoFolder(repoId);
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        for (String f : wanted) fetch(repoId, commit, f, repo, snapshot, p);
        if (!rev.equals(commit)) {
            Path ref = repo.resolve("refs").resolve(rev);
            Files.createDirectories(ref.getParent());
            AtomicFiles.write(ref, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(commit.getBytes(StandardCharsets.UTF_8))));
        }
        return new Snapshot(repoId, commit, snapshot, List.copyOf(wanted));
    }

    /** Downloads one file (already resolved to a commit) into blobs/ and links it from the snapshot. */
    private void fetch(String repoId, String commit, String file, Path repo, Path snapshot, Progress p) throws IOException {
        URI url = endpoint.resolve(repoId + "/resolve/" + commit + "/" + encPath(file));
        Meta m = head(url, repoId, file);
        if (m.commit != null && !m.commit.equals(commit)) LOG.warn("{}: {} resolved to commit {} instead of {}", repoId, file, m.commit, commit);
        Path blob = repo.resolve("blobs").resolve(m.etag);
        Path link = snapshot.resolve(file);
        if (Files.isRegularFile(blob) && Files.size(blob) == m.size) {
            p.start(file, m.size, m.size);
            linkInto(blob, link);
            p.finish(file, true);
            return;
        }
        Files.createDirectories(blob.getParent());
        Path part = blob.resolveSibling(m.etag + ".incomplete");
        download(url, part, m, repoId, file, p);
        AtomicFiles.moveReplacing(part, blob);
        linkInto(blob, link);
        p.finish(file, false);
    }

    private record Meta(String etag, long size, String commit, boolean lfs) {}

    private Meta head(URI url, String repoId, String file) throws IOException {
        URI u = url;
        for (int hop = 0; hop < 5; hop++) {
            HttpResponse<Void> r = send(request(u, true).method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept-Encoding", "identity").build(),
                    HttpResponse.BodyHandlers.discarding(), repoId + "/" + file);
            int s = r.statusCode();
            Optional<String> linked = r.headers().firstValue("X-Linked-Etag");
            URI here = u;
            // LFS files answer with a redirect to storage and carry their metadata on the redirect itself
            boolean relativeRedirect = s >= 300 && s < 400 && r.headers().firstValue("Location").map(l -> !URI.create(l).isAbsolute() || sameHost(here, URI.create(l))).orElse(false);
            if (relativeRedirect && linked.isEmpty()) { u = u.resolve(r.headers().firstValue("Location").get()); continue; }
            if (s >= 400) throw httpError(s, repoId, "resolve " + file + " of");
            String etag = linked.or(() -> r.headers().firstValue("ETag")).orElseThrow(() -> new HubException("the hub sent no ETag for " + repoId + "/" + file + "; is HF_ENDPOINT a Hugging Face hub?", s));
            etag = etag.replaceFirst("^W/", "").replace("\"", "");
            if (!SAFE_ETAG.matcher(etag).matches()) throw new HubException("the hub sent an unusable ETag '" + abbreviate(etag) + "' for " + repoId + "/" + file, s);
            String size = r.headers().firstValue("X-Linked-Size").or(() -> r.headers().firstValue("Content-Length"))
                    .orElseThrow(() -> new HubException("the hub sent no size for " + repoId + "/" + file, s));
            long n;
            try { n = Long.parseLong(size.trim()); } catch (NumberFormatException e) { throw new HubException("bad size '" + size + "' for " + repoId + "/" + file, s); }
            if (n < 0) throw new HubException("negative size for " + repoId + "/" + file, s);
            return new Meta(etag, n, r.headers().firstValue("X-Repo-Commit").orElse(null), linked.isPresent());
        }
        throw new HubException("too many redirects resolving " + repoId + "/" + file, -1);
    }

    private void download(URI url, Path part, Meta m, String repoId, String file, Progress p) throws IOException {
        MessageDigest sha256 = digest("SHA-256"), sha1 = digest("SHA-1");
        sha1.update(("blob " + m.size + "\0").getBytes(StandardCharsets.US_ASCII)); // git's blob hash, the etag of non-LFS files
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (have > m.size) { Files.delete(part); have = 0; }
        if (have > 0) {
            try (InputStream in = Files.newInputStream(part)) {
                byte[] buf = new byte[1 << 16];
                for (int k; (k = in.read(buf)) > 0; ) { sha256.update(buf, 0, k); sha1.update(buf, 0, k); }
            }
        }
        p.start(file, m.size, have);
        if (have < m.size || m.size == 0) {
            URI u = url;
            HttpResponse<InputStream> r = null;
            for (int hop = 0; hop < 6; hop++) {
                HttpRequest.Builder b = request(u, sameHost(u, url));
                if (have > 0) b.header("Range", "bytes=" + have + "-");
                r = send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream(), repoId + "/" + file);
                int s = r.statusCode();
                if (s >= 300 && s < 400 && r.headers().firstValue("Location").isPresent()) {
                    r.body().close();
                    u = u.resolve(r.headers().firstValue("Location").get());
                    r = null;
                    continue;
                }
                break;
            }
            if (r == null) throw new HubException("too many redirects downloading " + repoId + "/" + file, -1);
            int s = r.statusCode();
            try (InputStream body = r.body()) {
                if (s == 416 && have == m.size) { /* already complete */ }
                else if (s >= 400) throw httpError(s, repoId, "download " + file + " of");
                else {
                    if (s == 200 && have > 0) { // the server ignored the range: start again
                        LOG.info("{}: server does not resume, downloading {} again", repoId, file);
                        have = 0;
                        sha256.reset(); sha1.reset();
                        sha1.update(("blob " + m.size + "\0").getBytes(StandardCharsets.US_ASCII));
                        Files.deleteIfExists(part);
                        p.start(file, m.size, 0);
                    } else if (s == 206) {
                        String cr = r.headers().firstValue("Content-Range").orElse("");
                        if (!cr.startsWith("bytes " + have + "-")) throw new HubException("the hub answered range " + have + "- with '" + cr + "' for " + repoId + "/" + file, s);
                    }
                    try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                        byte[] buf = new byte[1 << 16];
                        for (int k; (k = body.read(buf)) > 0; ) {
                            if (have + k > m.size) throw new HubException(repoId + "/" + file + " is longer than the " + m.size + " bytes the hub announced", s);
                            AtomicFiles.writeFully(ch, ByteBuffer.wrap(buf, 0, k));
                            sha256.update(buf, 0, k);
                            sha1.update(buf, 0, k);
                            have += k;
                            p.advance(file, k);
                        }
                        ch.force(false);
                    }
                }
            } catch (HubException e) {
                throw e;
            } catch (IOException e) {
                throw new HubException("download of " + repoId + "/" + file + " stopped after " + have + " of " + m.size + " bytes (" + e.getMessage()
                        + "); run the same command again to resume", e);
            }
        }
        if (have != m.size || Files.size(part) != m.size) {
            throw new HubException(repoId + "/" + file + ": received " + Files.size(part) + " bytes, expected " + m.size + "; run the same command again to resume", -1);
        }
        String got256 = HexFormat.of().formatHex(sha256.digest()), got1 = HexFormat.of().formatHex(sha1.digest());
        String expected = m.etag.toLowerCase(java.util.Locale.ROOT);
        boolean ok = SHA256.matcher(expected).matches() ? expected.equals(got256) : !SHA1.matcher(expected).matches() || expected.equals(got1);
        if (!ok) {
            Files.deleteIfExists(part);
            throw new HubException(repoId + "/" + file + " is corrupt: its " + (SHA256.matcher(expected).matches() ? "sha256 is " + got256 : "git sha1 is " + got1)
                    + " but the hub says " + expected + ". The partial file was deleted; run the command again (if it repeats, the mirror at " + endpoint + " serves bad data)", -1);
        }
    }

    private static void linkInto(Path blob, Path link) throws IOException {
        Files.createDirectories(link.getParent());
        Files.deleteIfExists(link);
        Path rel = link.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(link, rel);
        } catch (UnsupportedOperationException | IOException e) {
            // file systems without symlinks get a copy, as huggingface_hub does on Windows without developer mode
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private HttpRequest.Builder request(URI u, boolean withAuth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(u).header("User-Agent", "codi4j/0.1; java/" + Runtime.version().feature());
        if (withAuth && token != null) b.header("Authorization", "Bearer " + token);
        return b;
    }

    private boolean sameHost(URI a, URI b) {
        return b.getHost() == null || (a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort());
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> h, String what) throws IOException {
        try {
            return http.send(req, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while fetching " + what, e);
        } catch (IOException e) {
            throw new HubException("cannot reach " + req.uri().getHost() + " for " + what + ": " + e + " (check the network, or HF_ENDPOINT)", e);
        }
    }

    private String get(URI u, String repoId, String what) throws IOException {
        HttpResponse<byte[]> r = send(request(u, true).GET().build(), HttpResponse.BodyHandlers.ofByteArray(), repoId);
        if (r.statusCode() >= 400) throw httpError(r.statusCode(), repoId, what);
        if (r.body().length > (64 << 20)) throw new HubException("the file list of " + repoId + " is implausibly large", r.statusCode());
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    private static JsonObject json(String s, String repoId) throws HubException {
        try {
            JsonElement e = JsonParser.parseString(s);
            if (e.isJsonObject()) return e.getAsJsonObject();
        } catch (RuntimeException ignored) { /* reported below */ }
        throw new HubException("the hub answered for " + repoId + " with something that is not JSON: " + abbreviate(s), -1);
    }

    private HubException httpError(int s, String repoId, String what) {
        String base = "cannot " + what + " " + repoId + " (HTTP " + s + ")";
        return switch (s) {
            case 401, 403 -> new HubException(base + ": the repository is gated or private. " + (token == null
                    ? "Accept its license at " + endpoint + repoId + " and set HF_TOKEN to an access token (https://huggingface.co/settings/tokens)."
                    : "The token in HF_TOKEN is not allowed: accept the license at " + endpoint + repoId + " with the account that owns the token."), s);
            case 404 -> new HubException(base + ": no such repository, revision or file (check the spelling, and --revision)", s);
            case 429 -> new HubException(base + ": rate limited; wait a minute and run again (a token in HF_TOKEN raises the limit)", s);
            default -> new HubException(base + (s >= 500 ? ": the hub has a problem; try again later" : ""), s);
        };
    }

    /** Repository paths must stay inside the snapshot folder. */
    static String checkFileName(String f, String repoId) throws HubException {
        if (f.isEmpty() || f.startsWith("/") || f.contains("\\") || f.contains("\0") || f.length() > 1024) throw new HubException(repoId + " lists an unsafe file name '" + abbreviate(f) + "'", -1);
        for (String part : f.split("/", -1)) if (part.isEmpty() || part.equals("..") || part.equals(".")) throw new HubException(repoId + " lists an unsafe file name '" + abbreviate(f) + "'", -1);
        return f;
    }

    /** Python's fnmatch.fnmatch (case-sensitive, '*' crosses '/'), as huggingface_hub's allow_patterns use it. */
    public static boolean fnmatch(String glob, String name) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int j = glob.indexOf(']', i + 2);
                    if (j < 0) { re.append("\\["); break; }
                    String body = glob.substring(i + 1, j);
                    if (body.startsWith("!")) body = "^" + body.substring(1);
                    re.append('[').append(body.replace("\\", "\\\\")).append(']');
                    i = j;
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        // a trailing folder pattern "unet/" means everything under it, as huggingface_hub treats it
        String r = glob.endsWith("/") ? re + ".*" : re.toString();
        return Pattern.compile(r, Pattern.DOTALL).matcher(name).matches();
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

    private static String encPath(String f) {
        StringBuilder b = new StringBuilder();
        for (String part : f.split("/")) b.append(b.isEmpty() ? "" : "/").append(enc(part));
        return b.toString();
    }

    private static MessageDigest digest(String alg) {
        try { return MessageDigest.getInstance(alg); } catch (NoSuchAlgorithmException e) { throw new IllegalStateException(e); }
    }

    private static String abbreviate(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
