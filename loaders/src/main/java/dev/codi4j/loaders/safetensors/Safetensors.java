package dev.codi4j.loaders.safetensors;

import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One-line safetensors I/O for tests and tools. Models should read through
 * {@link dev.codi4j.loaders.weights.Weights} (zero-copy, shape-checked); {@link #load} copies.
 */
public final class Safetensors {
    private Safetensors() {}

    /** Writes tensors (atomically) with no metadata. */
    public static void save(Path path, Map<String, Tensor> tensors) throws IOException { SafetensorsWriter.write(path, tensors); }

    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        SafetensorsWriter.write(path, tensors, metadata);
    }

    /**
     * Reads every tensor into host memory (copies; the file is closed on return), in file order.
     * Tensors whose dtype codi4j cannot hold are an error.
     */
    public static Map<String, Tensor> load(Path path) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            for (String n : f.names()) {
                Tensor view = f.tensor(n);
                Tensor copy = Tensor.allocate(view.dtype(), view.shape());
                MemorySegment.copy(view.data(), 0, copy.data(), 0, view.byteSize());
                out.put(n, copy);
            }
        }
        return out;
    }
}
