package dev.codi4j.bench;

import dev.codi4j.loaders.weights.TensorInfo;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.loaders.weights.WeightsException;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Weights of the real shapes with random values, made on demand for whatever name and shape a model
 * asks for, so benchmarks run at full size with no download. Norm scales ({@code *norm*.weight}) are
 * near 1, biases near 0, other tensors uniform in ±1/√fan_in (keeps activations in range through a
 * deep network). Values are a 64 Ki-element random block tiled over the tensor: the contents do not
 * change the speed, and filling gigabytes stays quick. Linear and convolution weights are held in
 * {@code storedDType} (what a checkpoint would hold); 1-D tensors are F32.
 */
final class RandomWeights implements Weights {
    private final String prefix;
    private final DType storedDType;

    RandomWeights(DType storedDType) { this("", storedDType); }

    private RandomWeights(String prefix, DType storedDType) {
        this.prefix = prefix;
        this.storedDType = storedDType;
    }

    @Override public String prefix() { return prefix; }
    @Override public Weights pp(String name) { return new RandomWeights(prefix + name + ".", storedDType); }
    /** Everything exists except the pre-0.14 VAE attention names (the current ones are used). */
    @Override public boolean contains(String name) { return !name.startsWith("query.") && !name.startsWith("key.") && !name.startsWith("value.") && !name.startsWith("proj_attn."); }
    @Override public TensorInfo info(String name) { return null; }

    @Override public Tensor get(String name) {
        throw new WeightsException("random weights need a shape: ask for " + fullName(name) + " with its expected shape");
    }

    @Override public Tensor get(String name, int... shape) { return make(name, shape.length == 1 ? DType.F32 : storedDType, shape); }

    @Override public Tensor get(String name, DType dtype, int... shape) {
        if (dtype.isQuantized()) {
            // quantise as a loader would: from F32 values
            Tensor f = make(name, DType.F32, shape);
            Tensor q = Tensor.allocate(dtype, shape);
            dev.codi4j.tensor.Backends.forDevice(f.device()).copy(f, q);
            f.close();
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
        boolean norm = full.contains("norm") && name.equals("weight");
        boolean bias = name.equals("bias");
        double scale = bias ? 0.02 : norm ? 0.1 : 1 / Math.sqrt(fanIn);
        double center = norm ? 1 : 0;
        int block = (int) Math.min(n, 1 << 16);
        SplittableRandom r = new SplittableRandom(full.hashCode());
        Tensor src = Tensor.allocate(DType.F32, block);
        for (int i = 0; i < block; i++) src.setFloat((float) (center + scale * (2 * r.nextDouble() - 1)), i);
        Tensor t = Tensor.allocate(dtype, shape);
        Tensor blockT = Tensor.allocate(dtype, block);
        dev.codi4j.tensor.Backends.forDevice(src.device()).copy(src, blockT);
        MemorySegment from = blockT.data(), to = t.data();
        long bytes = to.byteSize(), chunk = from.byteSize();
        for (long off = 0; off < bytes; off += chunk) MemorySegment.copy(from, 0, to, off, Math.min(chunk, bytes - off));
        src.close();
        blockT.close();
        return t;
    }
}
