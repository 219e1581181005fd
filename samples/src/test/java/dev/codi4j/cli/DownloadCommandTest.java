package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code codi4j download} end to end against a loopback server that answers like the hub for one small file. */
class DownloadCommandTest {
    @TempDir Path cache;

    @Test void downloadsIntoTheCacheDir() throws Exception {
        byte[] cfg = "{\"hidden_size\": 8}".getBytes(StandardCharsets.UTF_8);
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(("blob " + cfg.length + "\0").getBytes(StandardCharsets.US_ASCII));
        String etag = HexFormat.of().formatHex(sha1.digest(cfg)), commit = "c".repeat(40);
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", x -> {
            try (x) {
                String p = x.getRequestURI().getPath();
                if (p.equals("/api/models/org/tiny/revision/main")) {
                    byte[] b = ("{\"sha\":\"" + commit + "\",\"siblings\":[{\"rfilename\":\"config.json\"},{\"rfilename\":\"big.bin\"}]}").getBytes();
                    x.sendResponseHeaders(200, b.length);
                    x.getResponseBody().write(b);
                } else if (p.equals("/org/tiny/resolve/" + commit + "/config.json")) {
                    x.getResponseHeaders().add("ETag", "\"" + etag + "\"");
                    x.getResponseHeaders().add("X-Repo-Commit", commit);
                    if (x.getRequestMethod().equals("HEAD")) { x.getResponseHeaders().add("Content-Length", "" + cfg.length); x.sendResponseHeaders(200, -1); }
                    else { x.sendResponseHeaders(200, cfg.length); x.getResponseBody().write(cfg); }
                } else x.sendResponseHeaders(404, -1);
            }
        });
        s.start();
        try {
            CommandLine cl = Main.commandLine();
            StringWriter out = new StringWriter();
            cl.setOut(new PrintWriter(out));
            int rc = cl.execute("download", "org/tiny", "--include", "*.json", "--cache-dir", cache.toString(),
                    "--endpoint", "http://127.0.0.1:" + s.getAddress().getPort(), "--quiet");
            assertEquals(0, rc);
            Path snap = cache.resolve("models--org--tiny/snapshots/" + commit);
            assertArrayEquals(cfg, Files.readAllBytes(snap.resolve("config.json")));
            assertFalse(Files.exists(snap.resolve("big.bin")));
            assertEquals(commit, Files.readString(cache.resolve("models--org--tiny/refs/main")));
        } finally {
            s.stop(0);
        }
    }

    @Test void badRepoIdIsAOneLineError() {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("download", "../etc/passwd", "--cache-dir", cache.toString(), "-q"));
        assertTrue(err.toString().contains("is not a Hugging Face repository id"), err.toString());
    }
}
