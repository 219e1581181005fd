package dev.codi4j.loaders.gguf;

import static org.junit.jupiter.api.Assertions.*;

import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir Path dir;

    static Tensor ramp(DType dt, int... shape) {
        Tensor f = Tensor.allocate(DType.F32, shape);
        for (int i = 0; i < f.numel(); i++) dev.codi4j.tensor.Elements.set(f, i, (float) Math.sin(i * 0.37) * 3);
        if (dt == DType.F32) return f;
        Tensor t = Tensor.allocate(dt, shape);
        Backends.forDevice(Device.CPU).copy(f, t);
        return t;
    }

    @Test void roundTrip() throws Exception {
        Map<String, Tensor> ts = Map.of("a", ramp(DType.F32, 3, 5), "b", ramp(DType.F16, 2, 2, 7), "c", ramp(DType.Q8_0, 4, 64),
                "d", ramp(DType.Q4_0, 1, 32), "e", ramp(DType.BF16, 9), "f", Tensor.fromInts(new int[] {7, -3}, 2),
                "t", ramp(DType.F32, 4, 3).transpose(0, 1));
        GgufWriter w = new GgufWriter().putString("general.architecture", "test").putU32("general.alignment", 128)
                .putI32("x.i32", -5).putU64("x.u64", -1L).putF32("x.f32", 0.25f).putBool("x.b", false)
                .putStrings("x.s", List.of("a", "", "ü")).putF32s("x.fs", new float[] {1, 2}).putI32s("x.is", new int[] {3})
                .put("x.nested", GgufValue.ofArrays(List.of(GgufValue.ofI32s(new int[] {1}), GgufValue.ofStrings(List.of("z")))))
                .put("x.u8", GgufValue.ofNumber(GgufValueType.UINT8, 255));
        for (String k : List.of("a", "b", "c", "d", "e", "f", "t")) w.addTensor(k, ts.get(k));
        Path p = dir.resolve("o.gguf");
        w.write(p);
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(128, g.alignment());
            assertEquals(-5, g.getInt("x.i32"));
            assertEquals("18446744073709551615", g.get("x.u64").toString());
            assertEquals(0.25f, g.getFloat("x.f32"));
            assertFalse(g.getBoolean("x.b"));
            assertEquals(List.of("a", "", "ü"), g.getStringList("x.s"));
            assertArrayEquals(new float[] {1, 2}, g.getFloatArray("x.fs"));
            assertArrayEquals(new int[] {3}, g.getIntArray("x.is"));
            assertEquals(List.of("z"), g.get("x.nested").asArrayList().get(1).asStringList());
            assertEquals(255, g.getInt("x.u8"));
            for (var e : ts.entrySet()) {
                Tensor t = g.tensor(e.getKey());
                assertEquals(e.getValue().dtype(), t.dtype());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                assertArrayEquals(e.getValue().toFloatArray(), t.toFloatArray(), 0f, e.getKey());
                assertEquals(0, (g.dataOffset() + g.tensorInfo(e.getKey()).offset()) % 128);
            }
        }
        try (var s = Files.list(dir)) { assertEquals(1, s.count()); }
    }
}
