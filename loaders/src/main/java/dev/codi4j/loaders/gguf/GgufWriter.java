package dev.codi4j.loaders.gguf;

import dev.codi4j.loaders.AtomicFiles;
import dev.codi4j.loaders.safetensors.SafetensorsWriter;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 (little-endian) files that llama.cpp and gguf-py read: metadata in
 * insertion order, tensor infos with offsets aligned to {@code general.alignment} (32 unless set as
 * UINT32), tensor data padded likewise. Shapes are given in PyTorch order and stored reversed
 * ({@code ne[0]} innermost). Written atomically (temporary file, then move).
 */
public final class GgufWriter {
    private final Map<String, GgufValue> kv = new LinkedHashMap<>();
    private final Map<String, Pending> tensors = new LinkedHashMap<>();

    /** Makes a tensor when the writer reaches it, so a converter never holds every converted tensor at once. */
    @FunctionalInterface
    public interface TensorProducer { Tensor produce() throws IOException; }

    private record Pending(DType dtype, int[] shape, Tensor tensor, TensorProducer producer, GgmlType rawType, byte[] raw) {
        Pending(DType dtype, int[] shape, Tensor tensor, TensorProducer producer) { this(dtype, shape, tensor, producer, GgmlType.of(dtype), null); }
        long byteSize() { return raw != null ? raw.length : dtype.byteSize(Tensor.numel(shape)); }
    }

    public GgufWriter put(String key, GgufValue value) {
        if (key.isEmpty()) throw new IllegalArgumentException("empty GGUF key");
        kv.put(key, value.withKey(key));
        return this;
    }

    public GgufWriter putString(String key, String v) { return put(key, GgufValue.ofString(v)); }
    public GgufWriter putU32(String key, long v) { return put(key, GgufValue.ofU32(v)); }
    public GgufWriter putI32(String key, int v) { return put(key, GgufValue.ofI32(v)); }
    public GgufWriter putU64(String key, long v) { return put(key, GgufValue.ofU64(v)); }
    public GgufWriter putF32(String key, float v) { return put(key, GgufValue.ofF32(v)); }
    public GgufWriter putBool(String key, boolean v) { return put(key, GgufValue.ofBool(v)); }
    public GgufWriter putStrings(String key, List<String> v) { return put(key, GgufValue.ofStrings(v)); }
    public GgufWriter putF32s(String key, float[] v) { return put(key, GgufValue.ofF32s(v)); }
    public GgufWriter putI32s(String key, int[] v) { return put(key, GgufValue.ofI32s(v)); }

    /** Adds a host tensor (F32, F16, BF16, Q8_0, Q4_0, I8, I32, I64) under {@code name}; the data is read when writing. */
    public GgufWriter addTensor(String name, Tensor t) {
        GgmlType.of(t.dtype());
        if (!t.device().isHost()) throw new IllegalArgumentException("tensor '" + name + "' is on " + t.device() + "; copy it to the host first");
        if (t.rank() > GgufFile.MAX_DIMS) throw new IllegalArgumentException("tensor '" + name + "' has rank " + t.rank() + "; GGUF allows at most " + GgufFile.MAX_DIMS);
        if (tensors.put(name, new Pending(t.dtype(), t.shape(), t, null)) != null) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    /**
     * Adds a tensor made only while writing (then closed), e.g. a converted weight; it must have
     * exactly {@code dtype} and {@code shape}.
     */
    public GgufWriter addTensor(String name, DType dtype, int[] shape, TensorProducer producer) {
        GgmlType.of(dtype);
        if (shape.length > GgufFile.MAX_DIMS) throw new IllegalArgumentException("tensor '" + name + "' has rank " + shape.length + "; GGUF allows at most " + GgufFile.MAX_DIMS);
        if (tensors.put(name, new Pending(dtype, shape.clone(), null, producer)) != null) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    /**
     * Adds a tensor of any GGML type from its raw blocks (e.g. Q4_K blocks made by llama.cpp or by a
     * test), stored verbatim; {@code data} must be exactly the bytes that type and shape need.
     */
    public GgufWriter addRawTensor(String name, GgmlType type, int[] shape, byte[] data) {
        if (shape.length == 0 || shape.length > GgufFile.MAX_DIMS) throw new IllegalArgumentException("tensor '" + name + "' has rank " + shape.length + "; GGUF allows 1 to " + GgufFile.MAX_DIMS);
        int inner = shape[shape.length - 1];
        if (inner % type.blockSize != 0) throw new IllegalArgumentException("tensor '" + name + "': last dimension " + inner + " is not a multiple of " + type + "'s block size " + type.blockSize);
        long need = Tensor.numel(shape) / type.blockSize * type.blockBytes;
        if (data.length != need) throw new IllegalArgumentException("tensor '" + name + "' of " + type + java.util.Arrays.toString(shape) + " needs " + need + " bytes, got " + data.length);
        if (tensors.put(name, new Pending(null, shape.clone(), null, null, type, data.clone())) != null) throw new IllegalArgumentException("tensor '" + name + "' added twice");
        return this;
    }

    private long alignment() {
        GgufValue a = kv.get("general.alignment");
        if (a == null) return GgufFile.DEFAULT_ALIGNMENT;
        if (a.type() != GgufValueType.UINT32 || Long.bitCount(a.asLong()) != 1) throw new IllegalArgumentException("general.alignment must be a UINT32 power of two, is " + a.type() + " " + a);
        return a.asLong();
    }

    public void write(Path path) throws IOException {
        long align = alignment();
        Out h = new Out();
        h.i32(GgufFile.MAGIC);
        h.i32(3);
        h.i64(tensors.size());
        h.i64(kv.size());
        for (var e : kv.entrySet()) {
            h.str(e.getKey());
            h.i32(e.getValue().type().id());
            value(h, e.getValue());
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Pending t = e.getValue();
            h.str(e.getKey());
            int[] s = t.shape.length == 0 ? new int[] {1} : t.shape;
            h.i32(s.length);
            for (int i = s.length - 1; i >= 0; i--) h.i64(s[i]);
            h.i32(t.rawType.id);
            h.i64(offset);
            offset += pad(t.byteSize(), align);
        }
        byte[] head = h.toByteArray();
        long headPadded = pad(head.length, align);
        AtomicFiles.write(path, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(head));
            zeros(ch, headPadded - head.length);
            for (var e : tensors.entrySet()) {
                Pending p = e.getValue();
                if (p.raw != null) {
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap(p.raw));
                    zeros(ch, pad(p.raw.length, align) - p.raw.length);
                    continue;
                }
                Tensor t = p.tensor != null ? p.tensor : p.producer.produce();
                if (t.dtype() != p.dtype || !java.util.Arrays.equals(t.shape(), p.shape))
                    throw new IllegalStateException("tensor '" + e.getKey() + "' was announced as " + p.dtype + java.util.Arrays.toString(p.shape) + " but produced " + t.describe());
                SafetensorsWriter.writeTensor(ch, t);
                zeros(ch, pad(t.byteSize(), align) - t.byteSize());
                if (p.tensor == null) t.close();
            }
        });
    }

    private static long pad(long n, long align) { return (n + align - 1) / align * align; }

    private static void zeros(FileChannel ch, long n) throws IOException {
        if (n > 0) AtomicFiles.writeFully(ch, ByteBuffer.allocate((int) n));
    }

    private static void value(Out o, GgufValue v) {
        switch (v.type()) {
            case UINT8, INT8 -> o.write((int) (long) (Long) v.rawScalar());
            case UINT16, INT16 -> o.i16((int) (long) (Long) v.rawScalar());
            case UINT32, INT32 -> o.i32((int) (long) (Long) v.rawScalar());
            case UINT64, INT64 -> o.i64((Long) v.rawScalar());
            case FLOAT32 -> o.i32(Float.floatToRawIntBits((Float) v.rawScalar()));
            case FLOAT64 -> o.i64(Double.doubleToRawLongBits((Double) v.rawScalar()));
            case BOOL -> o.write((Boolean) v.rawScalar() ? 1 : 0);
            case STRING -> o.str((String) v.rawScalar());
            case ARRAY -> {
                o.i32(v.elementType().id());
                o.i64(v.size());
                if (v.rawNumbers() != null) o.writeBytes(v.rawNumbers());
                else for (Object x : v.rawObjects()) {
                    if (x instanceof String s) o.str(s);
                    else {
                        GgufValue inner = (GgufValue) x;
                        value(o, inner);
                    }
                }
            }
        }
    }

    /** Little-endian byte sink for the header. */
    private static final class Out extends ByteArrayOutputStream {
        private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        void i16(int v) { b.clear(); b.putShort((short) v); write(b.array(), 0, 2); }
        void i32(int v) { b.clear(); b.putInt(v); write(b.array(), 0, 4); }
        void i64(long v) { b.clear(); b.putLong(v); write(b.array(), 0, 8); }
        void str(String s) { byte[] u = s.getBytes(StandardCharsets.UTF_8); i64(u.length); writeBytes(u); }
    }
}
