package dev.codi4j.loaders.weights;

import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Weights} over a list of {@link TensorSource}s; views share one {@link Root}. */
final class SourceWeights implements Weights {
    private static final Logger LOG = LoggerFactory.getLogger(SourceWeights.class);

    /** State shared by every view of one set of sources. */
    private static final class Root {
        final List<TensorSource> sources;
        final NavigableMap<String, TensorSource> owner = new TreeMap<>();
        final Set<String> used = ConcurrentHashMap.newKeySet();
        final Map<String, String> metadata = new LinkedHashMap<>();
        volatile boolean closed;

        Root(List<? extends TensorSource> sources) {
            this.sources = List.copyOf(sources);
            int overridden = 0;
            for (TensorSource s : this.sources) {
                for (String n : s.names()) if (owner.put(n, s) != null) overridden++;
                metadata.putAll(s.metadata());
            }
            if (overridden > 0) LOG.debug("{} tensor names are overridden by later sources", overridden);
        }

        String describe() {
            if (sources.size() == 1) return sources.get(0).description();
            StringBuilder b = new StringBuilder();
            for (TensorSource s : sources) b.append(b.isEmpty() ? "" : " + ").append(s.description());
            return b.toString();
        }
    }

    private final Root root;
    private final String prefix;

    private SourceWeights(Root root, String prefix) {
        this.root = root;
        this.prefix = prefix;
    }

    static Weights root(List<? extends TensorSource> sources) { return new SourceWeights(new Root(sources), ""); }

    @Override public String prefix() { return prefix; }

    @Override public Weights pp(String name) {
        if (name.isEmpty()) return this;
        String p = name.endsWith(".") ? name : name + ".";
        return new SourceWeights(root, prefix + p);
    }

    @Override public boolean contains(String name) { return root.owner.containsKey(prefix + name); }

    @Override public TensorInfo info(String name) {
        TensorSource s = root.owner.get(prefix + name);
        return s == null ? null : s.info(prefix + name);
    }

    @Override public Tensor get(String name) { return fetch(name, null, null); }

    @Override public Tensor get(String name, int... expectedShape) { return fetch(name, null, expectedShape); }

    @Override public Tensor get(String name, DType dtype, int... expectedShape) { return fetch(name, dtype, expectedShape); }

    @Override public Optional<Tensor> getOptional(String name, int... expectedShape) {
        return contains(name) ? Optional.of(fetch(name, null, expectedShape)) : Optional.empty();
    }

    private Tensor fetch(String name, DType convertTo, int[] expected) {
        if (root.closed) throw new IllegalStateException("weights of " + root.describe() + " were closed");
        String full = prefix + name;
        TensorSource s = root.owner.get(full);
        if (s == null) throw missing(full);
        TensorInfo info = s.info(full);
        if (info.dtype() == null)
            throw new WeightsException("tensor '" + full + "' in " + info.file() + " has dtype " + info.fileDType()
                    + ", which codi4j cannot hold (supported: F32, F16, BF16, I64, I32, I8, U8, BOOL, Q8_0, Q4_0, and GGUF's Q4_1, Q5_0, Q5_1, Q2_K-Q8_K dequantised at load); convert the checkpoint, e.g. to F16, F32 or Q8_0");
        if (expected != null && expected.length > 0 && !matches(info.shape(), expected))
            throw new WeightsException("tensor '" + full + "' in " + info.file() + ": expected shape " + shapeText(expected)
                    + ", found " + info.describe() + ". The checkpoint does not match the model configuration: check that config.json belongs to these weights (hidden size, heads, layers) or that the right checkpoint was given");
        Tensor t = s.tensor(full, convertTo);
        root.used.add(full);
        if (convertTo == null || convertTo == t.dtype()) return t;
        return convert(t, convertTo, full, info.file());
    }

    private static Tensor convert(Tensor t, DType to, String full, String file) {
        if (to.isQuantized() && (t.rank() == 0 || t.dim(-1) % to.blockSize() != 0))
            throw new WeightsException("tensor '" + full + "' in " + file + " (" + t.describe() + ") cannot be converted to " + to
                    + ": its last dimension must be a multiple of " + to.blockSize() + "; keep this tensor in F16/F32");
        if (to.isFloating() != t.dtype().isFloating() && !(t.dtype() == DType.BOOL || t.dtype() == DType.U8))
            throw new WeightsException("tensor '" + full + "' in " + file + " is " + t.dtype() + " and cannot be converted to " + to
                    + " (integer ↔ float conversion of weights is almost always a naming mistake)");
        Tensor out = Tensor.allocate(to, t.shape());
        Backends.forDevice(Device.CPU).copy(t, out);
        return out;
    }

    private static boolean matches(int[] found, int[] expected) {
        if (found.length != expected.length) return false;
        for (int i = 0; i < found.length; i++) if (expected[i] != -1 && expected[i] != found[i]) return false;
        return true;
    }

    private static String shapeText(int[] s) { return Arrays.toString(s).replace("-1", "*"); }

    private WeightsException missing(String full) {
        StringBuilder b = new StringBuilder("tensor '").append(full).append("' not found in ").append(root.describe()).append('.');
        List<String> near = nearest(full);
        if (!near.isEmpty()) b.append(" Closest names: ").append(String.join(", ", near)).append('.');
        else if (root.owner.isEmpty()) b.append(" The checkpoint holds no tensors.");
        else b.append(" It holds ").append(root.owner.size()).append(" tensors, e.g. '").append(root.owner.firstKey()).append("'.");
        b.append(" Check that this checkpoint is the one the model expects (and its prefix, e.g. 'model.' or 'module.').");
        return new WeightsException(b.toString());
    }

    /** Up to three names with the smallest edit distance (only computed on the error path). */
    private List<String> nearest(String full) {
        record Scored(String name, int d) {}
        List<Scored> all = new ArrayList<>();
        int budget = 50_000;
        for (String n : root.owner.keySet()) {
            if (budget-- == 0) break;
            int d = editDistance(full, n, 12);
            if (d <= Math.max(3, full.length() / 4)) all.add(new Scored(n, d));
        }
        all.sort((a, c) -> a.d != c.d ? Integer.compare(a.d, c.d) : a.name.compareTo(c.name));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(3, all.size()); i++) out.add("'" + all.get(i).name + "'");
        return out;
    }

    /** Levenshtein distance, giving up (returning cap+1) once it exceeds {@code cap}. */
    static int editDistance(String a, String b, int cap) {
        if (Math.abs(a.length() - b.length()) > cap) return cap + 1;
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
                rowMin = Math.min(rowMin, cur[j]);
            }
            if (rowMin > cap) return cap + 1;
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }

    @Override public List<String> keys() {
        List<String> out = new ArrayList<>();
        for (String n : under().keySet()) out.add(n.substring(prefix.length()));
        return out;
    }

    @Override public Set<String> unused() {
        Set<String> out = new TreeSet<>();
        for (String n : under().keySet()) if (!root.used.contains(n)) out.add(n);
        return Collections.unmodifiableSet(out);
    }

    private NavigableMap<String, TensorSource> under() {
        if (prefix.isEmpty()) return root.owner;
        // every name starting with prefix sorts in [prefix, prefix + '\uffff')
        return root.owner.subMap(prefix, true, prefix + Character.MAX_VALUE, false);
    }

    @Override public Map<String, String> metadata() { return Collections.unmodifiableMap(root.metadata); }

    @Override public void close() {
        if (!prefix.isEmpty() || root.closed) return;
        root.closed = true;
        for (TensorSource s : root.sources) s.close();
    }

    @Override public String toString() { return "Weights(" + (prefix.isEmpty() ? "" : prefix + " in ") + root.describe() + ")"; }
}
