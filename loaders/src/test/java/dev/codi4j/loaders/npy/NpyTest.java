package dev.codi4j.loaders.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    /** Bytes as numpy 1.24 writes them: np.save(f, np.array([[1.5, -2], [3, 0.25]], dtype='<f2')). */
    static byte[] numpyF16() {
        String h = "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }";
        h = h + " ".repeat(128 - 10 - h.length() - 1) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length()).put(h.getBytes(StandardCharsets.ISO_8859_1));
        for (float v : new float[] {1.5f, -2f, 3f, 0.25f}) b.putShort(Float.floatToFloat16(v));
        return b.array();
    }

    @Test void readsFloat16AndRoundTripsFloat32(@TempDir Path dir) throws Exception {
        Tensor t = Npy.parse(numpyF16(), "e.npy");
        assertArrayEquals(new int[] {2, 2}, t.shape());
        assertArrayEquals(new float[] {1.5f, -2f, 3f, 0.25f}, t.toFloatArray());
        Path f = dir.resolve("v.npy");
        float[] v = {0.1f, 0.2f, 0.3f};
        Npy.write(f, v, 3);
        assertArrayEquals(v, Npy.read(f).toFloatArray());
        assertArrayEquals(new int[] {3}, Npy.read(f).shape());
    }

    @Test void lyingHeadersAreRejectedWithoutReadingPastTheEnd() {
        byte[] good = numpyF16();
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
        FormatException e = assertThrows(FormatException.class, () -> Npy.parse(cut, "cut.npy"));
        assertTrue(e.getMessage().contains("cut.npy") && e.getMessage().contains("needs 8 bytes"), e.getMessage());
        e = assertThrows(FormatException.class, () -> Npy.parse("not numpy at all".getBytes(StandardCharsets.UTF_8), "x.npy"));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        byte[] huge = good.clone();
        huge[8] = (byte) 0xFF;
        huge[9] = (byte) 0x7F;
        e = assertThrows(FormatException.class, () -> Npy.parse(huge, "h.npy"));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    @Test void fortranOrderAndBigEndianAreExplained() {
        String good = new String(numpyF16(), StandardCharsets.ISO_8859_1);
        byte[] fortran = good.replace("'fortran_order': False", "'fortran_order': True ").getBytes(StandardCharsets.ISO_8859_1);
        FormatException e = assertThrows(FormatException.class, () -> Npy.parse(fortran, "f.npy"));
        assertTrue(e.getMessage().contains("Fortran"), e.getMessage());
        byte[] be = good.replace("'<f2'", "'>f2'").getBytes(StandardCharsets.ISO_8859_1);
        e = assertThrows(FormatException.class, () -> Npy.parse(be, "b.npy"));
        assertTrue(e.getMessage().contains("big-endian"), e.getMessage());
    }
}
