package dev.codi4j.loaders.weights;

import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tensors held in memory under their names (tests, weights made in code). Closing does not free them. */
public final class MapSource implements TensorSource {
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final String description;

    public MapSource(Map<String, Tensor> tensors, String description) { this(tensors, Map.of(), description); }

    public MapSource(Map<String, Tensor> tensors, Map<String, String> metadata, String description) {
        this.tensors = new LinkedHashMap<>(tensors);
        this.metadata = Map.copyOf(metadata);
        this.description = description;
    }

    @Override public String description() { return description; }
    @Override public List<String> names() { return new ArrayList<>(tensors.keySet()); }

    @Override public TensorInfo info(String name) {
        Tensor t = tensors.get(name);
        return t == null ? null : new TensorInfo(name, t.dtype().toString(), t.dtype(), t.shape(), description);
    }

    @Override public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new WeightsException("tensor '" + name + "' is not in " + description);
        return t;
    }

    @Override public Map<String, String> metadata() { return metadata; }
    @Override public void close() {}
}
