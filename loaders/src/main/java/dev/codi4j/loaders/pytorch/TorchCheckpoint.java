package dev.codi4j.loaders.pytorch;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.MappedFile;
import dev.codi4j.loaders.pytorch.Pickle.StorageRef;
import dev.codi4j.loaders.pytorch.Pickle.TensorRef;
import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.TensorSource;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Storage;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch checkpoint saved by {@code torch.save} (PyTorch ≥ 1.6 zip format: {@code <name>/data.pkl}
 * plus one entry per storage under {@code <name>/data/}), read without running any Python code.
 * Tensors anywhere in nested dicts and lists are exposed under dotted names
 * ({@code {'model': {'w': t}}} → {@code model.w}; list items by index). Tensors are views of the
 * mapped storage entries with their saved offset and strides (so shared storages and non-contiguous
 * tensors come out as in PyTorch). Non-tensor values are available from {@link #root()}.
 */
public final class TorchCheckpoint implements TensorSource {
    private static final Map<String, DType> STORAGE_TYPES = Map.of(
            "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16, "LongStorage", DType.I64,
            "IntStorage", DType.I32, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);
    private static final Map<String, Integer> STORAGE_BYTES = Map.ofEntries(
            Map.entry("FloatStorage", 4), Map.entry("HalfStorage", 2), Map.entry("BFloat16Storage", 2), Map.entry("LongStorage", 8),
            Map.entry("IntStorage", 4), Map.entry("CharStorage", 1), Map.entry("ByteStorage", 1), Map.entry("BoolStorage", 1),
            Map.entry("DoubleStorage", 8), Map.entry("ShortStorage", 2));
    private static final int MAX_DEPTH = 64;

    private final MappedFile file;
    private final Arena arena;
    private final Object root;
    private final Map<String, TensorRef> refs;
    private final Map<String, MemorySegment> storages;

    private TorchCheckpoint(MappedFile file, Arena arena, Object root, Map<String, TensorRef> refs, Map<String, MemorySegment> storages) {
        this.file = file;
        this.arena = arena;
        this.root = root;
        this.refs = refs;
        this.storages = storages;
    }

    public static TorchCheckpoint open(Path path) throws IOException { return read(MappedFile.open(path)); }

    /** Parses an already mapped (or {@link MappedFile#wrap wrapped}) file; the result owns {@code f} (closed on failure too). */
    public static TorchCheckpoint read(MappedFile f) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return parse(f, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            f.close();
            throw e;
        }
    }

    private static TorchCheckpoint parse(MappedFile f, Arena arena) throws IOException {
        String src = f.path().toString();
        ZipArchive zip = ZipArchive.read(f);
        String prefix = null;
        for (String n : zip.names()) {
            if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl")) && n.indexOf('/') == n.lastIndexOf('/')) {
                if (prefix != null) throw new FormatException(src, "holds more than one data.pkl; not a single torch.save checkpoint");
                prefix = n.substring(0, n.length() - "data.pkl".length());
            }
        }
        if (prefix == null) throw new FormatException(src, "is a zip file without a data.pkl; not a PyTorch checkpoint (torch.save)");
        ZipArchive.Entry bo = zip.entry(prefix + "byteorder");
        if (bo != null && bo.size() < 16) {
            String order = new String(zip.contents(bo, arena, true).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) throw new FormatException(src, "was saved on a " + order + "-endian machine; codi4j reads little-endian checkpoints only");
        }
        ZipArchive.Entry pkl = zip.entry(prefix + "data.pkl");
        MemorySegment pickle = zip.contents(pkl, arena, true);
        Object root = RestrictedUnpickler.load(pickle, src + "!" + pkl.name());
        Map<String, TensorRef> refs = new LinkedHashMap<>();
        flatten(root, "", refs, new IdentityHashMap<>(), 0, src);
        Map<String, MemorySegment> storages = new HashMap<>();
        for (var e : refs.entrySet()) {
            StorageRef s = e.getValue().storage();
            if (storages.containsKey(s.key())) continue;
            ZipArchive.Entry se = zip.entry(prefix + "data/" + s.key());
            if (se == null) throw new FormatException(src, "tensor '" + e.getKey() + "' uses storage " + s.key() + ", but the archive has no entry " + prefix + "data/" + s.key() + "; the file is incomplete");
            Integer eb = STORAGE_BYTES.get(s.storageType());
            if (eb == null) throw new FormatException(src, "tensor '" + e.getKey() + "' has unknown storage type torch." + s.storageType());
            if (s.numel() > se.size() / eb) throw new FormatException(src, "storage " + s.key() + " claims " + s.numel() + " elements of " + eb + " bytes but its entry has " + se.size() + " bytes");
            storages.put(s.key(), zip.contents(se, arena, false));
        }
        for (var e : refs.entrySet()) {
            TensorRef t = e.getValue();
            StorageRef s = t.storage();
            int eb = STORAGE_BYTES.get(s.storageType());
            if (!fits(t, s.numel())) throw new FormatException(src, "tensor '" + e.getKey() + "' (shape " + java.util.Arrays.toString(t.shape()) + ", strides "
                    + java.util.Arrays.toString(t.strides()) + ", offset " + t.offset() + ") reaches outside its storage of " + s.numel() + " elements; the checkpoint is corrupt");
            if (storages.get(s.key()).byteSize() < s.numel() * eb) throw new FormatException(src, "storage " + s.key() + " is shorter than declared");
        }
        return new TorchCheckpoint(f, arena, root, Collections.unmodifiableMap(refs), storages);
    }

    /** Whether every element of the view lies inside a storage of {@code numel} elements (no overflow). */
    private static boolean fits(TensorRef t, long numel) {
        long hi = t.offset();
        for (int i = 0; i < t.shape().length; i++) {
            if (t.shape()[i] == 0) return t.offset() <= numel;
            long span;
            try { span = Math.multiplyExact((long) t.shape()[i] - 1, t.strides()[i]); hi = Math.addExact(hi, span); }
            catch (ArithmeticException e) { return false; }
        }
        return hi < numel;
    }

    private static void flatten(Object o, String name, Map<String, TensorRef> out, IdentityHashMap<Object, Boolean> seen, int depth, String src) throws FormatException {
        if (o instanceof TensorRef t) {
            if (out.put(name, t) != null) throw new FormatException(src, "two tensors share the name '" + name + "'");
            return;
        }
        if (!(o instanceof Map<?, ?> || o instanceof List<?> || o instanceof Pickle.Tuple)) return;
        if (depth > MAX_DEPTH) throw new FormatException(src, "nests containers more than " + MAX_DEPTH + " deep");
        if (seen.put(o, Boolean.TRUE) != null) return; // shared or cyclic container: each is visited once
        String p = name.isEmpty() ? "" : name + ".";
        if (o instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) flatten(e.getValue(), p + keyText(e.getKey()), out, seen, depth + 1, src);
        } else {
            List<?> items = o instanceof Pickle.Tuple t ? t.items() : (List<?>) o;
            for (int i = 0; i < items.size(); i++) flatten(items.get(i), p + i, out, seen, depth + 1, src);
        }
    }

    private static String keyText(Object k) {
        return k instanceof Pickle.Tuple t ? t.items().toString() : String.valueOf(k);
    }

    /** The unpickled object (dicts as LinkedHashMap, tensors as {@link TensorRef}). */
    public Object root() { return root; }

    public Path path() { return file.path(); }

    @Override public String description() { return file.path().toString(); }
    @Override public List<String> names() { return new ArrayList<>(refs.keySet()); }

    @Override public TensorInfo info(String name) {
        TensorRef t = refs.get(name);
        if (t == null) return null;
        return new TensorInfo(name, "torch." + t.storage().storageType(), STORAGE_TYPES.get(t.storage().storageType()), t.shape(), description());
    }

    @Override public Tensor tensor(String name) {
        TensorRef t = refs.get(name);
        if (t == null) throw new WeightsException("tensor '" + name + "' is not in " + description());
        DType dt = STORAGE_TYPES.get(t.storage().storageType());
        if (dt == null) throw new WeightsException("tensor '" + name + "' in " + description() + " is torch." + t.storage().storageType()
                + ", which codi4j cannot hold; convert it in PyTorch (e.g. .float() or .half()) and save again");
        MemorySegment seg = storages.get(t.storage().key());
        try {
            return new Tensor(Storage.borrowed(seg), dt, t.shape(), t.strides(), t.offset());
        } catch (ShapeException e) {
            throw new WeightsException("tensor '" + name + "' in " + description() + ": " + e.getMessage(), e);
        }
    }

    @Override public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> r)
            for (var e : r.entrySet())
                if (e.getKey() instanceof String k && (e.getValue() instanceof String || e.getValue() instanceof Long || e.getValue() instanceof Double || e.getValue() instanceof Boolean))
                    m.put(k, String.valueOf(e.getValue()));
        return m;
    }

    @Override public void close() {
        if (arena.scope().isAlive()) arena.close();
        file.close();
    }
}
