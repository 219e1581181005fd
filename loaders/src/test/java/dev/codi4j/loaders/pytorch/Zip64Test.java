package dev.codi4j.loaders.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZIP64 archives, as torch.save writes for checkpoints over 4 GiB (imagebind_huge.pth is 4.5 GB):
 * the dtypes fixture rewritten with every size and offset in ZIP64 fields, checked to be readable by
 * java.util.zip first, then read by our reader.
 */
class Zip64Test {
    @TempDir Path dir;

    @Test void readsZip64Archives() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(TorchCheckpointTest.res("dtypes.pth").toFile())) {
            for (var e : java.util.Collections.list(z.entries())) entries.put(e.getName(), z.getInputStream(e).readAllBytes());
        }
        Path p = dir.resolve("zip64.pth");
        Files.write(p, zip64(entries));
        try (ZipFile check = new ZipFile(p.toFile())) { // an independent reader agrees the archive is valid
            for (var e : entries.entrySet()) assertArrayEquals(e.getValue(), check.getInputStream(check.getEntry(e.getKey())).readAllBytes());
        }
        Path plain = TorchCheckpointTest.res("dtypes.pth");
        try (TorchCheckpoint a = TorchCheckpoint.open(plain); TorchCheckpoint b = TorchCheckpoint.open(p)) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) assertArrayEquals(a.tensor(n).toFloatArray(), b.tensor(n).toFloatArray(), 0f, n);
        }
    }

    /** Stored entries; central directory sizes/offsets as 0xFFFFFFFF with a ZIP64 extra; ZIP64 end records. */
    static byte[] zip64(Map<String, byte[]> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (var e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8), data = e.getValue();
            CRC32 crc = new CRC32();
            crc.update(data);
            long offset = out.size();
            ByteBuffer lh = le(30 + name.length + 20);
            lh.putInt(0x04034b50).putShort((short) 45).putShort((short) 0x800).putShort((short) 0).putInt(0).putInt((int) crc.getValue())
                    .putInt(-1).putInt(-1).putShort((short) name.length).putShort((short) 20).put(name)
                    .putShort((short) 1).putShort((short) 16).putLong(data.length).putLong(data.length);
            out.writeBytes(lh.array());
            out.writeBytes(data);
            ByteBuffer c = le(46 + name.length + 28);
            c.putInt(0x02014b50).putShort((short) 45).putShort((short) 45).putShort((short) 0x800).putShort((short) 0).putInt(0).putInt((int) crc.getValue())
                    .putInt(-1).putInt(-1).putShort((short) name.length).putShort((short) 28).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(-1).put(name)
                    .putShort((short) 1).putShort((short) 24).putLong(data.length).putLong(data.length).putLong(offset);
            cd.writeBytes(c.array());
        }
        long cdOffset = out.size();
        out.writeBytes(cd.toByteArray());
        long z64 = out.size();
        ByteBuffer rec = le(56);
        rec.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
                .putLong(entries.size()).putLong(entries.size()).putLong(cd.size()).putLong(cdOffset);
        out.writeBytes(rec.array());
        ByteBuffer loc = le(20);
        loc.putInt(0x07064b50).putInt(0).putLong(z64).putInt(1);
        out.writeBytes(loc.array());
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) -1).putShort((short) -1).putInt(-1).putInt(-1).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    static ByteBuffer le(int n) { return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN); }
}
