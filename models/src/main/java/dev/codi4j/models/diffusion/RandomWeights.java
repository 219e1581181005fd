package dev.codi4j.models.diffusion;

import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Weights of the real shapes with random values, made on demand for whatever name and shape a model
 * asks for: benchmarks run at full size with no download, and tests write tiny random checkpoints by
 * building a model over this and saving {@link #created()}. Norm scales ({@code *norm*.weight}) are
 * near 1, biases near 0, other tensors uniform in ±1/√fan_in (keeps activations in range through a
 * deep network). Values come from a 64 Ki-element random block (seeded by the tensor name) tiled over
 * the tensor, so filling gigabytes stays quick. Matrices are made in {@code storedDType}; 1-D tensors
 * are F32. Optional tensors, which models probe with {@link #contains}, are absent unless named with
 * {@link #withOptional} (e.g. CLIP's {@code visual_projection.weight}).
 */
public final class RandomWeights implements Weights {
    private final String prefix;
    private final DType storedDType;
    private final Map<String, Tensor> created;
    private final boolean record;
    private final Set<String> optional;

    /** @param record keep every made tensor in {@link #created()} (for writing checkpoints) */
    public RandomWeights(DType storedDType, boolean record) {
        this("", storedDType, Collections.synchronizedMap(new LinkedHashMap<>()), record, Set.of());
    }

    private RandomWeights(String prefix, DType storedDType, Map<String, Tensor> created, boolean record, Set<String> optional) {
        this.prefix = prefix;
        this.storedDType = storedDType;
        this.created = created;
        this.record = record;
        this.optional = optional;
    }

    /** The same weights, where {@link #contains} answers yes for these full names. */
    public RandomWeights withOptional(String... fullNames) {
        return new RandomWeights(prefix, storedDType, created, record, Set.of(fullNames));
    }

    /** The tensors made so far, by full name (empty unless recording). */
    public Map<String, Tensor> created() { return created; }

    @Override public String prefix() { return prefix; }
    @Override public Weights pp(String name) {
        if (name.isEmpty()) return this;
        return new RandomWeights(prefix + (name.endsWith(".") ? name : name + "."), storedDType, created, record, optional);
    }
    @Override public boolean contains(String name) { return optional.contains(fullName(name)); }
    @Override public TensorInfo info(String name) { return null; }

    @Override public Tensor get(String name) {
        throw new WeightsException("random weights need a shape: ask for " + fullName(name) + " with its expected shape");
    }

    @Override public Tensor get(String name, int... shape) { return make(name, shape.length == 1 ? DType.F32 : storedDType, shape); }

    @Override public Tensor get(String name, DType dtype, int... shape) {
        if (dtype.isQuantized()) {
            Tensor f = make(name, DType.F32, shape);
            Tensor q = Tensor.allocate(dtype, shape);
            Backends.forDevice(f.device()).copy(f, q);
            return q;
        }
        return make(name, dtype, shape);
    }

    @Override public Optional<Tensor> getOptional(String name, int... expectedShape) { return Optional.of(get(name, expectedShape)); }
    @Override public List<String> keys() { return List.of(); }
    @Override public Set<String> unused() { return Set.of(); }
    @Override public Map<String, String> metadata() { return Map.of(); }
    @Override public void close() {}

    private Tensor make(String name, DType dtype, int... shape) {
        for (int d : shape) if (d < 0) throw new WeightsException(fullName(name) + ": random weights need a concrete shape");
        String full = fullName(name);
        long n = Tensor.numel(shape);
        int fanIn = shape.length >= 2 ? (int) (n / shape[0]) : 1;
        boolean norm = (full.contains("norm") || full.contains("layrnorm")) && name.equals("weight");
        boolean bias = name.equals("bias");
        double scale = bias ? 0.02 : norm ? 0.1 : shape.length == 1 ? 0.5 : 1 / Math.sqrt(fanIn);
        double center = norm ? 1 : 0;
        if (full.endsWith("std")) { center = 1; scale = 0.2; }
        int block = (int) Math.min(n, 1 << 16);
        SplittableRandom r = new SplittableRandom(full.hashCode());
        float[] v = new float[block];
        for (int i = 0; i < block; i++) v[i] = (float) (center + scale * (2 * r.nextDouble() - 1));
        Tensor src = Tensor.fromFloats(v, block);
        Tensor t = Tensor.allocate(dtype, shape);
        if (n > 0) {
            Tensor blockT = Tensor.allocate(dtype, block);
            Backends.forDevice(src.device()).copy(src, blockT);
            MemorySegment from = blockT.data(), to = t.data();
            long bytes = to.byteSize(), chunk = from.byteSize();
            for (long off = 0; off < bytes; off += chunk) MemorySegment.copy(from, 0, to, off, Math.min(chunk, bytes - off));
            blockT.close();
        }
        src.close();
        if (record) created.put(full, t);
        return t;
    }
}
