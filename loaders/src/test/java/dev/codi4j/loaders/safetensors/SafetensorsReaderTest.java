package dev.codi4j.loaders.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads a file written by an independent Python writer (tools/fixtures/safetensors_reference.py) and checks every rule of the header. */
class SafetensorsReaderTest {
    @TempDir Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(SafetensorsReaderTest.class.getResource("/safetensors/" + name).toURI());
    }

    /** The formula the Python script used for each dtype (see its docstring). */
    static double value(int i, String dtype) {
        return switch (dtype) {
            case "BOOL" -> i % 2;
            case "U8" -> i % 7;
            case "I64", "I32", "I8" -> (i % 13) - 6;
            default -> (i % 13) - 6 + 0.25 * (i % 3);
        };
    }

    @Test void readsEveryDTypeWrittenByPython() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture("reference.safetensors"))) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(11, f.names().size());
            record Case(String name, DType dt, String st, int[] shape) {}
            for (Case c : List.of(new Case("t_f32", DType.F32, "F32", new int[] {3, 5}), new Case("t_f16", DType.F16, "F16", new int[] {2, 3, 4}),
                    new Case("t_bf16", DType.BF16, "BF16", new int[] {7}), new Case("t_i64", DType.I64, "I64", new int[] {2, 2}),
                    new Case("t_i32", DType.I32, "I32", new int[] {5}), new Case("t_i8", DType.I8, "I8", new int[] {3, 3}),
                    new Case("t_u8", DType.U8, "U8", new int[] {9}), new Case("t_bool", DType.BOOL, "BOOL", new int[] {2, 5}),
                    new Case("t_scalar", DType.F32, "F32", new int[] {}))) {
                Tensor t = f.tensor(c.name);
                assertEquals(c.dt, t.dtype(), c.name);
                assertArrayEquals(c.shape, t.shape(), c.name);
                assertTrue(t.segment().isMapped(), c.name + " must be a view of the mapping, not a copy");
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i++) assertEquals(value(i, c.st), v[i], 0.0, c.name + "[" + i + "]");
            }
            assertEquals(0, f.tensor("t_empty").numel());
            assertNull(f.info("t_f64").dtype(), "F64 is listed but has no codi4j dtype");
            WeightsException e = assertThrows(WeightsException.class, () -> f.tensor("t_f64"));
            assertTrue(e.getMessage().contains("F64") && e.getMessage().contains("t_f64"), e.getMessage());
            assertEquals(16, f.bytes("t_f64").byteSize());
        }
    }

    /** Writes a file with a hand-made header and the given number of data bytes. */
    Path file(String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    void rejects(String header, int dataBytes, String... fragments) throws Exception {
        Path p = file(header, dataBytes);
        FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close(), header);
        assertTrue(e.getMessage().contains(p.toString()), "names the file: " + e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
    }

    @Test void acceptsAMinimalValidHeader() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ", 8))) {
            assertArrayEquals(new int[] {2}, f.tensor("a").shape());
        }
        try (SafetensorsFile f = SafetensorsFile.open(file("{}", 0))) { assertTrue(f.names().isEmpty()); }
    }

    @Test void rejectsMalformedHeaders() throws Exception {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        rejects("{" + a + "}", 4, "truncated");
        rejects("{" + a + "}", 12, "trailing");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'a'", "12 bytes", "span 8");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'a'", "starts at data offset 4");
        rejects("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap");
        rejects("{" + a + ",\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "twice");
        rejects("{\"a\":{\"dtype\":\"F99\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'F99'");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "non-negative");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296],\"data_offsets\":[0,8]}}", 8, "larger than codi4j supports");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "lacks data_offsets");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "[begin, end]");
        rejects("{\"__metadata__\":{\"k\":3}}", 0, "must be a string");
        rejects("[1,2]", 0, "does not start with '{'");
        rejects("{\"a\":", 0, "not valid safetensors JSON");
        rejects("{} {}", 0, "not valid");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[3037000500,3037000500],\"data_offsets\":[0,8]}}", 8, "larger than codi4j");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "overflows");
    }

    @Test void rejectsLyingHeaderLengthsWithoutAllocating() throws Exception {
        for (long n : new long[] {-1, Long.MAX_VALUE, 1L << 40, 100_000_001L, 64}) {
            Path p = Files.createTempFile(dir, "t", ".safetensors");
            ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(n).putLong(0x7b7b7b7b7b7b7b7bL);
            Files.write(p, b.array());
            FormatException e = assertThrows(FormatException.class, () -> SafetensorsFile.open(p).close());
            assertTrue(e.getMessage().contains("header length"), e.getMessage());
        }
        Path tiny = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(assertThrows(FormatException.class, () -> SafetensorsFile.open(tiny)).getMessage().contains("too short"));
        Path bad = file("{\"a\":\"\u00e9\"}", 0);
        byte[] raw = Files.readAllBytes(bad);
        raw[raw.length - 3] = (byte) 0xFF; // break the UTF-8 of é
        Files.write(bad, raw);
        assertTrue(assertThrows(FormatException.class, () -> SafetensorsFile.open(bad)).getMessage().contains("UTF-8"));
    }
}
