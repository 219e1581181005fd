package dev.codi4j.loaders.gguf;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import dev.codi4j.loaders.SegmentReader;
import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Storage;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A memory-mapped GGUF file (versions 2 and 3, little-endian): metadata key/values of every type,
 * tensor infos, alignment ({@code general.alignment}, default 32) and the data section. Tensors of
 * types codi4j holds (F32, F16, BF16, Q8_0, Q4_0, I8, I32, I64) are zero-copy views.
 *
 * <p>Tensors in Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K or Q8_K (what llama.cpp's Q4_K_M,
 * Q5_K_S, Q3_K_L, ... files hold) are dequantised when read, into a new host tensor: read as stored
 * ({@link #tensor(String)}, {@code Weights.get(name, shape)}) they become F16, which keeps ggml's
 * float32 values to F16 rounding at 2 bytes per weight (a Q4_K matrix grows about 3.6×); asked for
 * F32 they are decoded straight to F32 (exactly gguf-py's values); asked for another floating dtype
 * (BF16, Q8_0, Q4_0) they are decoded to F32 and converted, so {@code --dtype q8_0} keeps a Q4_K_M
 * model at about 1.9× its file size. The first such read of a file logs at INFO which types are
 * converted and what they cost. The remaining GGML types (IQ*, TQ*, Q8_1, MXFP4, I16, F64) are
 * listed and validated but cannot be read.
 *
 * <p>Shapes are exposed in PyTorch order: GGUF stores {@code ne[0]} as the innermost (fastest)
 * dimension, so a GGUF tensor with {@code ne = [4096, 11008]} is the PyTorch {@code [11008, 4096]}.
 * Names are GGUF's ({@code blk.0.attn_q.weight}), not Hugging Face's.
 */
public final class GgufFile implements TensorSource {
    private static final Logger LOG = LoggerFactory.getLogger(GgufFile.class);
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Upper bound on elements of one string array: bounds heap use for hostile files (real vocabularies have < 1M). */
    static final int MAX_STRING_ARRAY = 1 << 24;
    static final int MAX_DIMS = 4; // GGML_MAX_DIMS

    /** One tensor entry as the file gives it. {@code ne} is in GGUF order (innermost first). */
    public record GgufTensor(String name, GgmlType type, long[] ne, long offset, long byteSize) {
        public GgufTensor { ne = ne.clone(); }
        @Override public long[] ne() { return ne.clone(); }
        /** PyTorch-order shape. */
        public int[] shape() {
            int[] s = new int[ne.length];
            for (int i = 0; i < ne.length; i++) s[i] = (int) ne[ne.length - 1 - i];
            return s;
        }
    }

    private final MappedFile file;
    private final int version;
    private final Map<String, GgufValue> kv;
    private final Map<String, GgufTensor> tensors;
    private final long alignment;
    private final long dataOffset;
    private final java.util.concurrent.atomic.AtomicBoolean loggedDequant = new java.util.concurrent.atomic.AtomicBoolean();

    private GgufFile(MappedFile file, int version, Map<String, GgufValue> kv, Map<String, GgufTensor> tensors, long alignment, long dataOffset) {
        this.file = file;
        this.version = version;
        this.kv = kv;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    public static GgufFile open(Path path) throws IOException {
        MappedFile f = MappedFile.open(path);
        try {
            return parse(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Parses an already mapped (or {@link MappedFile#wrap wrapped}) file; the result owns {@code f}. */
    public static GgufFile read(MappedFile f) throws FormatException { return parse(f); }

    private static GgufFile parse(MappedFile f) throws FormatException {
        String src = f.path().toString();
        SegmentReader r = new SegmentReader(f.segment(), src);
        if (f.size() < 4) throw r.fail("is " + f.size() + " bytes, too short for GGUF");
        int magic = r.i32("magic");
        if (magic == Integer.reverseBytes(MAGIC)) throw r.fail("is a big-endian GGUF file; codi4j reads little-endian GGUF only (convert it with gguf-py's gguf_convert_endian)");
        if (magic != MAGIC) throw r.fail("does not start with the GGUF magic (found 0x" + Integer.toHexString(magic) + "); not a GGUF file");
        long version = r.u32("version");
        if ((version & 0xFFFF) == 0 && version != 0) throw r.fail("is a big-endian GGUF file; codi4j reads little-endian GGUF only");
        if (version == 1) throw r.fail("is GGUF version 1 (32-bit counts, 2023 pre-release); convert it again with a current llama.cpp");
        if (version != 2 && version != 3) throw r.fail("has GGUF version " + version + "; codi4j reads versions 2 and 3");
        long nTensors = r.i64("tensor count");
        long nKv = r.i64("metadata count");
        // each tensor info takes ≥ 8+4+8+4+8 bytes, each key/value ≥ 8+4+1
        r.length(nTensors, 32, "tensor count");
        r.length(nKv, 13, "metadata count");
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            String key = string(r, "metadata key #" + i);
            if (kv.containsKey(key)) throw r.fail("metadata key '" + key + "' appears twice");
            long t = r.u32("type of '" + key + "'");
            kv.put(key, value(r, key, t, 0));
        }
        long alignment = DEFAULT_ALIGNMENT;
        GgufValue al = kv.get("general.alignment");
        if (al != null) {
            if (al.type() != GgufValueType.UINT32) throw r.fail("general.alignment is " + al.type() + ", must be UINT32");
            alignment = al.asLong();
            if (alignment == 0 || (alignment & (alignment - 1)) != 0) throw r.fail("general.alignment " + alignment + " is not a power of two");
        }
        List<GgufTensor> infos = new ArrayList<>();
        Map<String, GgufTensor> byName = new LinkedHashMap<>();
        for (long i = 0; i < nTensors; i++) {
            String name = string(r, "tensor name #" + i);
            long nd = r.u32("dimension count of '" + name + "'");
            if (nd < 1 || nd > MAX_DIMS) throw r.fail("tensor '" + name + "' has " + nd + " dimensions; GGUF allows 1 to " + MAX_DIMS);
            long[] ne = new long[(int) nd];
            long numel = 1;
            for (int d = 0; d < nd; d++) {
                ne[d] = r.i64("dimension " + d + " of '" + name + "'");
                if (ne[d] < 0 || ne[d] > Integer.MAX_VALUE) throw r.fail("tensor '" + name + "' dimension " + d + " is " + Long.toUnsignedString(ne[d]) + " (codi4j allows 0 to 2^31-1)");
                numel = multiply(numel, ne[d], r, name);
            }
            long typeId = r.u32("type of '" + name + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw r.fail("tensor '" + name + "' has unknown GGML type " + typeId);
            if (type.blockSize > 1 && ne[0] == 0) throw r.fail("tensor '" + name + "' of block type " + type + " has an empty first dimension");
            if (ne[0] % type.blockSize != 0) throw r.fail("tensor '" + name + "' of type " + type + " has a first dimension " + ne[0] + " that is not a multiple of its block size " + type.blockSize);
            long bytes = multiply(numel / type.blockSize, type.blockBytes, r, name);
            long off = r.i64("offset of '" + name + "'");
            if (off < 0 || off % alignment != 0) throw r.fail("tensor '" + name + "' offset " + Long.toUnsignedString(off) + " is not a multiple of the alignment " + alignment);
            GgufTensor t = new GgufTensor(name, type, ne, off, bytes);
            if (byName.put(name, t) != null) throw r.fail("tensor '" + name + "' appears twice");
            infos.add(t);
        }
        long dataOffset = (r.position() + alignment - 1) / alignment * alignment;
        long dataLen = f.size() - dataOffset;
        if (nTensors > 0 && dataLen < 0) throw r.fail("ends before its data section (needs " + dataOffset + " bytes, has " + f.size() + "); the file is truncated");
        List<GgufTensor> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(GgufTensor::offset));
        long end = 0;
        String prev = null;
        for (GgufTensor t : sorted) {
            if (t.offset < end) throw r.fail("tensor '" + t.name + "' at data offset " + t.offset + " overlaps '" + prev + "', which ends at " + end + "; the file is corrupt");
            if (t.offset > dataLen || t.byteSize > dataLen - t.offset)
                throw r.fail("tensor '" + t.name + "' data [" + t.offset + ", " + (t.offset + t.byteSize) + ") runs past the end of the data section (" + Math.max(dataLen, 0)
                        + " bytes); the file is truncated — download it again");
            end = t.offset + t.byteSize;
            prev = t.name;
        }
        return new GgufFile(f, (int) version, Collections.unmodifiableMap(kv), Collections.unmodifiableMap(byName), alignment, dataOffset);
    }

    private static long multiply(long a, long b, SegmentReader r, String name) throws FormatException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw r.fail("tensor '" + name + "' is too large (element count overflows)");
        }
    }

    static String string(SegmentReader r, String what) throws FormatException {
        long n = r.i64("length of " + what);
        if (n < 0 || n > r.remaining()) throw r.fail(what + " claims " + Long.toUnsignedString(n) + " bytes but only " + r.remaining() + " are left; the file is truncated or corrupt");
        return r.utf8(n, what);
    }

    private static GgufValue value(SegmentReader r, String key, long typeId, int depth) throws FormatException {
        GgufValueType t = GgufValueType.byId(typeId);
        if (t == null) throw r.fail("metadata '" + key + "' has unknown value type " + typeId);
        String what = "metadata '" + key + "'";
        return switch (t) {
            case UINT8 -> GgufValue.scalar(key, t, (long) r.u8(what));
            case INT8 -> GgufValue.scalar(key, t, (long) r.i8(what));
            case UINT16 -> GgufValue.scalar(key, t, (long) r.u16(what));
            case INT16 -> GgufValue.scalar(key, t, (long) r.i16(what));
            case UINT32 -> GgufValue.scalar(key, t, r.u32(what));
            case INT32 -> GgufValue.scalar(key, t, (long) r.i32(what));
            case UINT64, INT64 -> GgufValue.scalar(key, t, r.i64(what));
            case FLOAT32 -> GgufValue.scalar(key, t, r.f32(what));
            case FLOAT64 -> GgufValue.scalar(key, t, r.f64(what));
            case BOOL -> {
                int b = r.u8(what);
                if (b > 1) throw r.fail(what + " is a bool with value " + b + " (must be 0 or 1)");
                yield GgufValue.scalar(key, t, b == 1);
            }
            case STRING -> GgufValue.scalar(key, t, string(r, what));
            case ARRAY -> {
                if (depth >= 8) throw r.fail(what + " nests arrays more than 8 deep");
                long et = r.u32("element type of " + what);
                GgufValueType e = GgufValueType.byId(et);
                if (e == null) throw r.fail(what + " is an array of unknown type " + et);
                long n = r.i64("length of " + what);
                if (n < 0 || (e.minBytes > 0 && n > r.remaining() / e.minBytes))
                    throw r.fail(what + " claims " + Long.toUnsignedString(n) + " elements of " + e + " but only " + r.remaining() + " bytes are left; the file is truncated or corrupt");
                if (e == GgufValueType.STRING || e == GgufValueType.ARRAY) {
                    if (n > MAX_STRING_ARRAY) throw r.fail(what + " has " + n + " elements, more than the " + MAX_STRING_ARRAY + " codi4j accepts");
                    List<Object> items = new ArrayList<>((int) Math.min(n, 1 << 16));
                    for (long i = 0; i < n; i++) {
                        if (e == GgufValueType.STRING) items.add(string(r, what + "[" + i + "]"));
                        else items.add(value(r, key + "[" + i + "]", GgufValueType.ARRAY.id(), depth + 1).withKey(key));
                    }
                    yield GgufValue.objectArray(key, e, items);
                }
                long bytes = n * e.minBytes;
                if (bytes > Integer.MAX_VALUE - 8) throw r.fail(what + " of " + bytes + " bytes is too large for codi4j");
                byte[] data = r.bytes(bytes, what);
                if (e == GgufValueType.BOOL) for (byte b : data) if (b != 0 && b != 1) throw r.fail(what + " holds a bool of value " + b);
                yield GgufValue.numericArray(key, e, data, (int) n);
            }
        };
    }

    // ---- accessors ---------------------------------------------------------------------------

    public Path path() { return file.path(); }
    public int version() { return version; }
    public long alignment() { return alignment; }
    /** File offset of the data section (tensor offsets are relative to it). */
    public long dataOffset() { return dataOffset; }
    /** All metadata in file order. */
    public Map<String, GgufValue> kv() { return kv; }
    public List<GgufTensor> tensorInfos() { return new ArrayList<>(tensors.values()); }
    public GgufTensor tensorInfo(String name) { return tensors.get(name); }

    /** A metadata value, or a {@link WeightsException} naming the key and the file. */
    public GgufValue get(String key) {
        GgufValue v = kv.get(key);
        if (v == null) throw new WeightsException("GGUF file " + file.path() + " has no metadata '" + key + "'; it was written for another architecture or by an older converter");
        return v;
    }

    public GgufValue getOrNull(String key) { return kv.get(key); }
    public String getString(String key) { return get(key).asString(); }
    public int getInt(String key) { return get(key).asInt(); }
    public long getLong(String key) { return get(key).asLong(); }
    public float getFloat(String key) { return get(key).asFloat(); }
    public boolean getBoolean(String key) { return get(key).asBoolean(); }
    public List<String> getStringList(String key) { return get(key).asStringList(); }
    public float[] getFloatArray(String key) { return get(key).asFloatArray(); }
    public int[] getIntArray(String key) { return get(key).asIntArray(); }

    /** {@code general.architecture}, e.g. "llama". */
    public String architecture() { return getString("general.architecture"); }

    // ---- TensorSource ------------------------------------------------------------------------

    @Override public String description() { return file.path().toString(); }
    @Override public List<String> names() { return new ArrayList<>(tensors.keySet()); }

    @Override public TensorInfo info(String name) {
        GgufTensor t = tensors.get(name);
        return t == null ? null : new TensorInfo(name, t.type.name(), t.type.loadDType(), t.shape(), description());
    }

    /** The tensor as stored: a zero-copy view, or for a dequantised type (Q4_K, ...) a new F16 host tensor. */
    @Override public Tensor tensor(String name) { return tensor(name, null); }

    /**
     * As {@link #tensor(String)}, but a dequantised type (Q4_K, ...) asked for F32 is decoded straight
     * to F32, and asked for another floating dtype (BF16, Q8_0, Q4_0) is decoded to F32 and converted
     * to it. Types codi4j holds are returned as stored whatever {@code wanted} is.
     */
    @Override public Tensor tensor(String name, DType wanted) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        if (t.type.dequantized()) return dequantized(t, wanted);
        if (t.type.dtype == null)
            throw new WeightsException("tensor '" + name + "' in " + description() + " is GGML type " + t.type
                    + ", which codi4j cannot read (supported: F32, F16, BF16, Q8_0, Q4_0 as stored; Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K dequantised at load);"
                    + " requantise the model with llama-quantize to one of those (e.g. Q4_K_M or Q8_0)");
        MemorySegment seg = file.segment().asSlice(dataOffset + t.offset, t.byteSize);
        try {
            return Tensor.of(Storage.borrowed(seg), t.type.dtype, 0, t.shape());
        } catch (dev.codi4j.tensor.ShapeException e) {
            throw new WeightsException("tensor '" + name + "' in " + description() + " cannot be viewed: " + e.getMessage(), e);
        }
    }

    private Tensor dequantized(GgufTensor t, DType wanted) {
        logDequantOnce();
        DType direct = wanted == DType.F32 ? DType.F32 : DType.F16;
        boolean convert = wanted != null && wanted != direct && wanted.isFloating();
        if (convert) direct = DType.F32;
        long numel = t.byteSize / t.type.blockBytes * t.type.blockSize;
        MemorySegment seg = file.segment().asSlice(dataOffset + t.offset, t.byteSize);
        if (seg.byteSize() != t.byteSize || numel != dev.codi4j.tensor.Tensor.numel(t.shape()))
            throw new WeightsException("tensor '" + t.name + "' in " + description() + " holds " + seg.byteSize() + " bytes of " + t.type + ", not the "
                    + t.byteSize + " its shape " + Arrays.toString(t.shape()) + " needs; the file is corrupt");
        Tensor out = Tensor.allocate(direct, t.shape());
        try {
            GgmlDequant.dequantize(t.type, seg, out);
            LOG.debug("dequantised '{}' ({} {}) to {}", t.name, t.type, Arrays.toString(t.shape()), direct);
            if (!convert) return out;
            Tensor c = Tensor.allocate(wanted, t.shape());
            try {
                Backends.forDevice(Device.CPU).copy(out, c);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            out.close();
            return c;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** One INFO line per file: which tensors are dequantised at load and their size before and as F16. */
    private void logDequantOnce() {
        if (!loggedDequant.compareAndSet(false, true) || !LOG.isInfoEnabled()) return;
        Map<GgmlType, long[]> byType = new java.util.TreeMap<>();
        long fileBytes = 0, f16Bytes = 0;
        for (GgufTensor t : tensors.values()) {
            if (!t.type.dequantized()) continue;
            long numel = t.byteSize / t.type.blockBytes * t.type.blockSize;
            long[] c = byType.computeIfAbsent(t.type, k -> new long[1]);
            c[0]++;
            fileBytes += t.byteSize;
            f16Bytes += 2 * numel;
        }
        StringBuilder types = new StringBuilder();
        for (var e : byType.entrySet()) types.append(types.isEmpty() ? "" : ", ").append(e.getValue()[0]).append(' ').append(e.getKey());
        LOG.info("{}: {} tensors ({}) are in GGML types codi4j does not compute with and are dequantised at load: {} MiB in the file,"
                + " {} MiB as F16 (read as stored), {} MiB as Q8_0 (asked for, e.g. --dtype q8_0)", description(), byType.values().stream().mapToLong(c -> c[0]).sum(),
                types, mib(fileBytes), mib(f16Bytes), mib(f16Bytes / 2 / 32 * 34));
    }

    private static String mib(long bytes) { return String.format(java.util.Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    /** Raw bytes of a tensor of any type. */
    public MemorySegment bytes(String name) {
        GgufTensor t = tensors.get(name);
        if (t == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        return file.segment().asSlice(dataOffset + t.offset, t.byteSize);
    }

    /** String and scalar metadata as text (arrays left out), for {@link TensorSource#metadata()}. */
    @Override public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        for (var e : kv.entrySet()) if (!e.getValue().isArray()) m.put(e.getKey(), e.getValue().toString());
        return m;
    }

    @Override public void close() { file.close(); }

    @Override public String toString() { return "GgufFile(" + file.path() + ", v" + version + ", " + kv.size() + " keys, " + tensors.size() + " tensors)"; }

    static String dims(long[] ne) { return Arrays.toString(ne); }
}
