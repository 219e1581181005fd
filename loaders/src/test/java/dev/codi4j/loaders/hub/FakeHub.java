package dev.codi4j.loaders.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback imitation of the Hugging Face hub's download API: file list, HEAD metadata (LFS files
 * redirect to a storage path and carry X-Linked-Etag/X-Linked-Size), Range requests, gated repos.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    record File(byte[] data, boolean lfs, String etagOverride) {}

    final Map<String, Map<String, File>> repos = new LinkedHashMap<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    final Map<String, String> gated = new LinkedHashMap<>(); // repo → token it needs
    /** When > 0, the next storage (LFS) GET sends only this many bytes and drops the connection. */
    volatile int dropAfter;
    private final HttpServer server;
    /** LFS storage lives on another port (another "host"), as the hub's CDN does, so the token must not reach it. */
    private final HttpServer storage;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage.createContext("/", this::handle);
        storage.start();
    }

    URI storageBase() { return URI.create("http://127.0.0.1:" + storage.getAddress().getPort()); }

    URI endpoint() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort()); }

    void add(String repo, String path, byte[] data, boolean lfs) { repos.computeIfAbsent(repo, k -> new LinkedHashMap<>()).put(path, new File(data, lfs, null)); }

    void addCorrupt(String repo, String path, byte[] data) {
        repos.computeIfAbsent(repo, k -> new LinkedHashMap<>()).put(path, new File(data, true, sha256("something else".getBytes())));
    }

    static String sha256(byte[] b) {
        try { return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)); } catch (Exception e) { throw new RuntimeException(e); }
    }

    static String gitSha1(byte[] b) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-1");
            d.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d.digest(b));
        } catch (Exception e) { throw new RuntimeException(e); }
    }

    static String etag(File f) { return f.etagOverride != null ? f.etagOverride : f.lfs ? sha256(f.data) : gitSha1(f.data); }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getRawPath();
        log.add(x.getRequestMethod() + " " + path + (x.getRequestHeaders().getFirst("Range") != null ? " Range:" + x.getRequestHeaders().getFirst("Range") : "")
                + (x.getRequestHeaders().getFirst("Authorization") != null ? " auth" : ""));
        try (x) {
            if (path.startsWith("/api/models/")) {
                String rest = path.substring("/api/models/".length());
                String repo = rest.substring(0, rest.indexOf("/revision/"));
                if (!authorized(x, repo)) return;
                Map<String, File> files = repos.get(repo);
                if (files == null) { x.sendResponseHeaders(404, -1); return; }
                StringBuilder j = new StringBuilder("{\"id\":\"" + repo + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                int i = 0;
                for (String f : files.keySet()) j.append(i++ > 0 ? "," : "").append("{\"rfilename\":\"").append(f).append("\"}");
                byte[] body = j.append("]}").toString().getBytes(StandardCharsets.UTF_8);
                x.sendResponseHeaders(200, body.length);
                x.getResponseBody().write(body);
                return;
            }
            if (path.startsWith("/storage/")) { serveStorage(x, path.substring("/storage/".length())); return; }
            int r = path.indexOf("/resolve/");
            String repo = path.substring(1, r);
            if (!authorized(x, repo)) return;
            String rest = path.substring(r + "/resolve/".length());
            String file = java.net.URLDecoder.decode(rest.substring(rest.indexOf('/') + 1), StandardCharsets.UTF_8);
            File f = repos.getOrDefault(repo, Map.of()).get(file);
            if (f == null) { x.sendResponseHeaders(404, -1); return; }
            x.getResponseHeaders().add("X-Repo-Commit", COMMIT);
            if (f.lfs) {
                x.getResponseHeaders().add("X-Linked-Etag", "\"" + etag(f) + "\"");
                x.getResponseHeaders().add("X-Linked-Size", String.valueOf(f.data.length));
                x.getResponseHeaders().add("Location", storageBase() + "/storage/" + repo.replace("/", "_") + "/" + file.replace("/", "_"));
                x.sendResponseHeaders(302, -1);
                return;
            }
            x.getResponseHeaders().add("ETag", "\"" + etag(f) + "\"");
            if (x.getRequestMethod().equals("HEAD")) {
                x.getResponseHeaders().add("Content-Length", String.valueOf(f.data.length));
                x.sendResponseHeaders(200, -1);
                return;
            }
            send(x, f.data);
        }
    }

    private boolean authorized(HttpExchange x, String repo) throws IOException {
        String need = gated.get(repo);
        if (need == null) return true;
        if (("Bearer " + need).equals(x.getRequestHeaders().getFirst("Authorization"))) return true;
        x.sendResponseHeaders(401, -1);
        return false;
    }

    private void serveStorage(HttpExchange x, String key) throws IOException {
        if (x.getRequestHeaders().getFirst("Authorization") != null) throw new IOException("the token leaked to storage");
        File f = null;
        for (var repo : repos.entrySet())
            for (var e : repo.getValue().entrySet())
                if ((repo.getKey().replace("/", "_") + "/" + e.getKey().replace("/", "_")).equals(key)) f = e.getValue();
        if (f == null) { x.sendResponseHeaders(404, -1); return; }
        send(x, f.data, true);
    }

    private void send(HttpExchange x, byte[] data) throws IOException { send(x, data, false); }

    private void send(HttpExchange x, byte[] data, boolean mayDrop) throws IOException {
        String range = x.getRequestHeaders().getFirst("Range");
        int from = 0;
        if (range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
            x.sendResponseHeaders(206, data.length - from);
        } else x.sendResponseHeaders(200, data.length);
        OutputStream o = x.getResponseBody();
        int drop = mayDrop ? dropAfter : 0;
        if (drop > 0) {
            dropAfter = 0;
            o.write(data, from, Math.min(drop, data.length - from));
            o.flush();
            // end the exchange without the rest of the announced body: the client sees a broken connection
            throw new IOException("simulated connection drop");
        }
        o.write(data, from, data.length - from);
    }

    List<String> requests() { return new ArrayList<>(log); }

    @Override public void close() { server.stop(0); storage.stop(0); }
}
