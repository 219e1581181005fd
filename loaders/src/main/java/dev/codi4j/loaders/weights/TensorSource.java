package dev.codi4j.loaders.weights;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A set of named tensors: one checkpoint file, a sharded checkpoint, or tensors in memory. Readers
 * validate the whole index when they open, so {@link #tensor} only fails for tensors whose dtype
 * codi4j cannot represent. Tensors returned are zero-copy views where the file allows it and stay
 * valid until the source is closed.
 */
public interface TensorSource extends AutoCloseable {
    /** The file(s) behind this source, for messages. */
    String description();

    /** Tensor names in file order. */
    List<String> names();

    /** The tensor's description, or null if absent. */
    TensorInfo info(String name);

    default boolean contains(String name) { return info(name) != null; }

    /**
     * The tensor, in the file's dtype and PyTorch-order shape.
     * @throws WeightsException if absent or its dtype is one codi4j cannot represent
     */
    Tensor tensor(String name);

    /**
     * The tensor, for a caller who will convert it to {@code wanted} (null: as stored). Sources whose
     * stored type codi4j cannot compute with (GGUF K-quants) decode it straight to F32 when asked for
     * F32 rather than via F16; the result may still be in another dtype, which the caller converts.
     */
    default Tensor tensor(String name, DType wanted) { return tensor(name); }

    /** Free-form string metadata of the file (safetensors {@code __metadata__}); empty when none. */
    default Map<String, String> metadata() { return Map.of(); }

    /** Releases mappings; tensors obtained from this source must not be used afterwards. */
    @Override void close();
}
