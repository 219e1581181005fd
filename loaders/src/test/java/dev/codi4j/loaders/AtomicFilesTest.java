package dev.codi4j.loaders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    @Test void failedWriteLeavesTheOldFileAndNoTemporaries() throws IOException {
        Path f = dir.resolve("out.bin");
        AtomicFiles.writeStream(f, out -> out.write("good".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IOException.class, () -> AtomicFiles.writeStream(f, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("good", Files.readString(f));
        try (var s = Files.list(dir)) { assertEquals(1, s.count(), "no temporary file left behind"); }
    }

    @Test void newFilesAreNotOwnerOnly() throws IOException {
        Path f = dir.resolve("image.png");
        AtomicFiles.writeStream(f, out -> out.write(1));
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(f);
        // default permissions are 0666 less the umask; a umask never removes the owner's read/write,
        // and Files.createTempFile's 0600 would also remove group read, which a usual umask (022/002) keeps
        assertTrue(p.contains(PosixFilePermission.OWNER_READ) && p.contains(PosixFilePermission.OWNER_WRITE), p.toString());
        Path probe = Files.createFile(dir.resolve("probe"));
        assertEquals(Files.getPosixFilePermissions(probe), p, "same permissions as a plainly created file");
    }

    @Test void replacedFilesKeepTheirPermissions() throws IOException {
        Path f = dir.resolve("weights.safetensors");
        Files.writeString(f, "old");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        AtomicFiles.write(f, ch -> AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap("new".getBytes(StandardCharsets.UTF_8))));
        assertEquals("new", Files.readString(f));
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(f));
    }
}
