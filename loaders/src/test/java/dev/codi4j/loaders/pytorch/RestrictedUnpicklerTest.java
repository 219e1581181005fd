package dev.codi4j.loaders.pytorch;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** Hand-made hostile pickles and archives. */
class RestrictedUnpicklerTest {
    static Object load(byte[] p) throws FormatException { return RestrictedUnpickler.load(MemorySegment.ofArray(p), "test.pkl"); }

    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (Object x : parts) {
            if (x instanceof Integer i) o.write(i);
            else if (x instanceof Character c) o.write(c);
            else if (x instanceof String s) o.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            else if (x instanceof byte[] b) o.writeBytes(b);
        }
        return o.toByteArray();
    }

    static byte[] le(long v, int n) { return java.util.Arrays.copyOf(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array(), n); }

    @Test void plainData() throws Exception {
        // {'a': [1, -2, 3.5, 'x', None, True], 'b': (1,)}  protocol 2
        Object o = load(bytes(0x80, 2, '}', 'q', 0, '(', 'X', le(1, 4), "a", ']', '(', 'K', 1, 'J', le(-2, 4), 'G',
                new byte[] {0x40, 0x0C, 0, 0, 0, 0, 0, 0}, 0x8c, 1, "x", 'N', 0x88, 'e', 'X', le(1, 4), "b", 'K', 1, 0x85, 'u', '.'));
        assertEquals(Map.of("a", List.of(1L, -2L, 3.5, "x", Pickle.None.NONE, true), "b", new Pickle.Tuple(List.of(1L))), o);
    }

    @Test void refusesCodeExecutionByName() {
        for (String g : List.of("builtins\neval\n", "os\nsystem\n", "subprocess\nPopen\n", "torch\nload\n", "numpy.core.multiarray\n_reconstruct\n")) {
            FormatException e = assertThrows(FormatException.class, () -> load(bytes(0x80, 2, 'c', g, ')', 'R', '.')));
            assertTrue(e.getMessage().contains("refuses global '" + g.replace('\n', ' ').trim().replace(' ', '.') + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("test.pkl"));
        }
        FormatException sg = assertThrows(FormatException.class, () -> load(bytes(0x80, 4, 0x8c, 8, "builtins", 0x8c, 4, "exec", 0x93, '.')));
        assertTrue(sg.getMessage().contains("'builtins.exec'"), sg.getMessage());
        // an allowed class that is not callable this way
        assertThrows(FormatException.class, () -> load(bytes(0x80, 2, 'c', "torch\nFloatStorage\n", ')', 'R', '.')));
        assertThrows(FormatException.class, () -> load(bytes(0x80, 2, 'c', "collections\nOrderedDict\n", ')', 0x81, '.')));
    }

    @Test void lyingLengthsAndDepth() {
        assertThrows(FormatException.class, () -> load(bytes(0x80, 4, 0x8d, le(1L << 62, 8), '.')));
        assertThrows(FormatException.class, () -> load(bytes(0x80, 4, 0x8b, le(Integer.MAX_VALUE, 4), '.')));
        assertThrows(FormatException.class, () -> load(bytes(0x80, 2, 'h', 5, '.')));
        assertThrows(FormatException.class, () -> load(bytes(0x80, 2, '.')));
        assertThrows(FormatException.class, () -> load(bytes(0x80, 9, '.')));
        byte[] deep = new byte[200_003];
        deep[0] = (byte) 0x80; deep[1] = 2;
        java.util.Arrays.fill(deep, 2, deep.length - 1, (byte) '(');
        deep[deep.length - 1] = '.';
        assertThrows(FormatException.class, () -> load(deep)); // ends inside a MARK, no recursion involved
    }

    @Test void cyclicAndDeepContainersFlattenSafely() throws Exception {
        // l = []; l.append(l); {'l': l}
        Object o = load(bytes(0x80, 2, '}', 'X', le(1, 4), "l", ']', 'q', 0, 'h', 0, 'a', 's', '.'));
        assertNotNull(o);
        // as a checkpoint: cycles visit once; nesting deeper than 64 is refused
        Path p = java.nio.file.Files.createTempFile("cyc", ".pth");
        try {
            zip(p, bytes(0x80, 2, '}', 'X', le(1, 4), "l", ']', 'q', 0, 'h', 0, 'a', 's', '.'));
            try (TorchCheckpoint c = TorchCheckpoint.open(p)) { assertTrue(c.names().isEmpty()); }
            ByteArrayOutputStream deep = new ByteArrayOutputStream();
            deep.writeBytes(new byte[] {(byte) 0x80, 2});
            for (int i = 0; i < 100; i++) deep.write(']');
            for (int i = 0; i < 99; i++) deep.write('a');
            deep.write('.');
            zip(p, deep.toByteArray());
            FormatException e = assertThrows(FormatException.class, () -> TorchCheckpoint.open(p));
            assertTrue(e.getMessage().contains("deep"), e.getMessage());
        } finally {
            java.nio.file.Files.delete(p);
        }
    }

    static void zip(Path p, byte[] pkl) throws Exception {
        try (ZipOutputStream z = new ZipOutputStream(java.nio.file.Files.newOutputStream(p))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pkl);
            z.closeEntry();
        }
    }

    @Test void zipBombClaimIsRefused() throws Exception {
        Path p = java.nio.file.Files.createTempFile("bomb", ".pth");
        try {
            zip(p, bytes(0x80, 2, '}', '.'));
            byte[] b = java.nio.file.Files.readAllBytes(p);
            // patch the central directory's uncompressed size of data.pkl to 2 GiB - 1
            for (int i = b.length - 22; i >= 0; i--) {
                if (b[i] == 0x50 && b[i + 1] == 0x4b && b[i + 2] == 1 && b[i + 3] == 2) {
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(i + 24, Integer.MAX_VALUE);
                    break;
                }
            }
            java.nio.file.Files.write(p, b);
            try (MappedFile f = MappedFile.open(p)) {
                ZipArchive z = ZipArchive.read(f);
                FormatException e = assertThrows(FormatException.class, () -> z.contents(z.entry("archive/data.pkl"), java.lang.foreign.Arena.ofAuto(), true));
                assertTrue(e.getMessage().contains("deflate cannot do"), e.getMessage());
            }
        } finally {
            java.nio.file.Files.delete(p);
        }
    }
}
