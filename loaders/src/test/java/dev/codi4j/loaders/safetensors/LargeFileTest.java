package dev.codi4j.loaders.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A 3 GiB (sparse) safetensors file: mapping has no 2 GiB limit and offsets past 2^31 read correctly. */
class LargeFileTest {
    @TempDir Path dir;

    @Test void readsTensorsBeyondTwoGiB() throws Exception {
        long big = 3L << 30;
        Assumptions.assumeTrue(Files.getFileStore(dir).getUsableSpace() > (6L << 30), "needs room for a 3 GiB sparse file");
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[3,1073741824],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[" + big + "," + (big + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length));
            ch.write(ByteBuffer.wrap(h));
            long data = 8 + h.length;
            ch.write(ByteBuffer.wrap(new byte[] {7}), data + big - 1); // last byte of "big"
            ByteBuffer tail = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).putFloat(3.25f).putFloat(1e9f).flip();
            ch.write(tail, data + big);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 1e9f}, f.tensor("tail").toFloatArray());
            Tensor b = f.tensor("big");
            assertEquals(big, b.numel());
            assertEquals(7f, b.getFloat(2, 1073741823));
            assertEquals(0f, b.getFloat(1, 5));
        } finally {
            Files.delete(p);
        }
    }
}
