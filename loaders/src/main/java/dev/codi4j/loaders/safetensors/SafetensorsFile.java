package dev.codi4j.loaders.safetensors;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import dev.codi4j.loaders.SegmentReader;
import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.Storage;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.io.StringReader;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped {@code .safetensors} file. The layout is an 8-byte little-endian header length N,
 * N bytes of UTF-8 JSON ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {str: str}}}), then the tensor bytes. Validation follows safetensors-rs: the
 * header fits the file and is at most 100 MB, tensors ordered by offset cover the data exactly
 * (no gaps, no overlap), and every byte range equals dtype size × element count. Tensors are views
 * of the mapping; nothing is copied.
 */
public final class SafetensorsFile implements TensorSource {
    /** safetensors-rs refuses larger headers too; it bounds the memory a lying length can cost. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private record Entry(TensorInfo info, SafetensorsDType sdt, long begin, long end) {}

    private final MappedFile file;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(MappedFile file, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}; the caller closes the result. */
    public static SafetensorsFile open(Path path) throws IOException {
        MappedFile f = MappedFile.open(path);
        try {
            return parse(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Parses an already mapped (or {@link MappedFile#wrap wrapped}) file; the result owns {@code f}. */
    public static SafetensorsFile read(MappedFile f) throws FormatException { return parse(f); }

    private static SafetensorsFile parse(MappedFile f) throws FormatException {
        String src = f.path().toString();
        if (f.size() < 8) throw new FormatException(src, "is " + f.size() + " bytes, too short for a safetensors file (8-byte header length first); the file is truncated or not safetensors");
        long n = f.segment().get(Numerics.I64, 0);
        if (n < 0 || n > MAX_HEADER_BYTES)
            throw new FormatException(src, "header length " + Long.toUnsignedString(n) + " is larger than the " + MAX_HEADER_BYTES + "-byte limit; the file is corrupt or not safetensors");
        if (n > f.size() - 8)
            throw new FormatException(src, "header length " + n + " runs past the end of the file (" + f.size() + " bytes); the file is truncated — download it again");
        if (n < 2) throw new FormatException(src, "header of " + n + " bytes cannot hold a JSON object");
        SegmentReader r = new SegmentReader(f.segment(), src);
        r.seek(8, "header");
        String json = r.utf8(n, "safetensors JSON header");
        if (json.charAt(0) != '{') throw new FormatException(src, "header does not start with '{' (found '" + printable(json.charAt(0)) + "'); not a safetensors file");
        long dataLen = f.size() - 8 - n;
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> list = new ArrayList<>();
        try {
            parseHeader(json, src, meta, list);
        } catch (FormatException e) {
            throw e;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new FormatException(src, "header is not valid safetensors JSON: " + e.getMessage(), e);
        }
        // offsets must tile [0, dataLen) exactly, in order of begin
        List<Entry> sorted = new ArrayList<>(list);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin != at)
                throw new FormatException(src, "tensor '" + e.info.name() + "' starts at data offset " + e.begin + " but the previous tensor ends at " + at
                        + " (tensors must be contiguous and must not overlap); the header is corrupt");
            long bits;
            try {
                bits = Math.multiplyExact(e.info.numel(), (long) e.sdt.bits);
            } catch (ArithmeticException ex) {
                throw new FormatException(src, "tensor '" + e.info.name() + "' shape " + java.util.Arrays.toString(e.info.shape()) + " overflows");
            }
            if (bits % 8 != 0) throw new FormatException(src, "tensor '" + e.info.name() + "' of " + e.sdt + " does not end on a byte boundary");
            if (e.end - e.begin != bits / 8)
                throw new FormatException(src, "tensor '" + e.info.name() + "' is " + e.info.describe() + " = " + bits / 8 + " bytes, but its data_offsets ["
                        + e.begin + ", " + e.end + ") span " + (e.end - e.begin) + " bytes; the header is corrupt");
            at = e.end;
        }
        if (at != dataLen)
            throw new FormatException(src, "tensors cover " + at + " data bytes but the file has " + dataLen + " after the header; the file is "
                    + (at > dataLen ? "truncated — download it again" : "corrupt (trailing bytes)"));
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : list) byName.put(e.info.name(), e);
        return new SafetensorsFile(f, 8 + n, byName, Collections.unmodifiableMap(meta));
    }

    private static void parseHeader(String json, String src, Map<String, String> meta, List<Entry> out) throws IOException {
        JsonReader jr = new JsonReader(new StringReader(json));
        jr.setStrictness(Strictness.STRICT);
        jr.beginObject();
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (jr.hasNext()) {
            String name = jr.nextName();
            if (!seen.add(name)) throw new FormatException(src, "header names '" + name + "' twice");
            if (name.equals("__metadata__")) {
                if (jr.peek() == JsonToken.NULL) { jr.nextNull(); continue; }
                jr.beginObject();
                while (jr.hasNext()) {
                    String k = jr.nextName();
                    if (jr.peek() != JsonToken.STRING) throw new FormatException(src, "__metadata__ value of '" + k + "' is " + jr.peek() + ", must be a string");
                    meta.put(k, jr.nextString());
                }
                jr.endObject();
                continue;
            }
            out.add(parseTensor(jr, name, src));
        }
        jr.endObject();
        if (jr.peek() != JsonToken.END_DOCUMENT) throw new FormatException(src, "header has data after its JSON object");
        // safetensors pads the header with spaces, which the reader above has already skipped
    }

    private static Entry parseTensor(JsonReader jr, String name, String src) throws IOException {
        String dtype = null;
        int[] shape = null;
        long begin = -1, end = -1;
        if (jr.peek() != JsonToken.BEGIN_OBJECT) throw new FormatException(src, "entry '" + name + "' is " + jr.peek() + ", must be an object with dtype, shape, data_offsets");
        jr.beginObject();
        while (jr.hasNext()) {
            String k = jr.nextName();
            switch (k) {
                case "dtype" -> {
                    if (jr.peek() != JsonToken.STRING) throw new FormatException(src, "tensor '" + name + "' dtype must be a string");
                    dtype = jr.nextString();
                }
                case "shape" -> {
                    List<Long> dims = longArray(jr, src, name, "shape");
                    shape = new int[dims.size()];
                    for (int i = 0; i < shape.length; i++) {
                        if (dims.get(i) > Integer.MAX_VALUE) throw new FormatException(src, "tensor '" + name + "' dimension " + dims.get(i) + " is larger than codi4j supports (2^31-1)");
                        shape[i] = dims.get(i).intValue();
                    }
                }
                case "data_offsets" -> {
                    List<Long> o = longArray(jr, src, name, "data_offsets");
                    if (o.size() != 2) throw new FormatException(src, "tensor '" + name + "' data_offsets must be [begin, end], found " + o);
                    begin = o.get(0);
                    end = o.get(1);
                }
                default -> jr.skipValue(); // unknown fields are ignored, as serde does
            }
        }
        jr.endObject();
        if (dtype == null || shape == null || begin < 0)
            throw new FormatException(src, "tensor '" + name + "' lacks " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
        SafetensorsDType sdt = SafetensorsDType.byName(dtype);
        if (sdt == null) throw new FormatException(src, "tensor '" + name + "' has unknown dtype '" + dtype + "'");
        if (end < begin) throw new FormatException(src, "tensor '" + name + "' data_offsets [" + begin + ", " + end + "] end before they begin");
        return new Entry(new TensorInfo(name, dtype, sdt.dtype, shape, src), sdt, begin, end);
    }

    private static List<Long> longArray(JsonReader jr, String src, String name, String field) throws IOException {
        if (jr.peek() != JsonToken.BEGIN_ARRAY) throw new FormatException(src, "tensor '" + name + "' " + field + " must be an array of integers");
        List<Long> out = new ArrayList<>();
        jr.beginArray();
        while (jr.hasNext()) {
            if (jr.peek() != JsonToken.NUMBER) throw new FormatException(src, "tensor '" + name + "' " + field + " holds " + jr.peek() + ", must hold non-negative integers");
            String s = jr.nextString();
            if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(c -> c >= '0' && c <= '9'))
                throw new FormatException(src, "tensor '" + name + "' " + field + " holds '" + s + "', must hold non-negative integers below 2^63");
            out.add(Long.parseLong(s));
            if (out.size() > 64) throw new FormatException(src, "tensor '" + name + "' " + field + " has more than 64 entries");
        }
        jr.endArray();
        return out;
    }

    private static String printable(char c) { return c >= 32 && c < 127 ? String.valueOf(c) : String.format("\\u%04x", (int) c); }

    // ---- TensorSource ---------------------------------------------------------------------------

    public Path path() { return file.path(); }

    @Override public String description() { return file.path().toString(); }

    @Override public List<String> names() { return new ArrayList<>(entries.keySet()); }

    @Override public TensorInfo info(String name) {
        Entry e = entries.get(name);
        return e == null ? null : e.info;
    }

    @Override public Tensor tensor(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        if (e.sdt.dtype == null)
            throw new WeightsException("tensor '" + name + "' in " + description() + " has dtype " + e.sdt + ", which codi4j cannot hold; convert it to F32, F16 or BF16");
        // a slice per tensor: element offsets need not be multiples of the element size in the file
        MemorySegment seg = file.segment().asSlice(dataStart + e.begin, e.end - e.begin);
        return Tensor.of(Storage.borrowed(seg), e.sdt.dtype, 0, e.info.shape());
    }

    /** The raw bytes of a tensor (any dtype, including those codi4j cannot hold). */
    public MemorySegment bytes(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        return file.segment().asSlice(dataStart + e.begin, e.end - e.begin);
    }

    @Override public Map<String, String> metadata() { return metadata; }

    @Override public void close() { file.close(); }

    @Override public String toString() { return "SafetensorsFile(" + file.path() + ", " + entries.size() + " tensors)"; }
}
