package dev.codi4j.loaders.weights;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A prefix-scoped view of one or more checkpoints, the way a model reads its weights (like candle's
 * VarBuilder): {@code w.pp("model.layers").pp(3).get("self_attn.q_proj.weight", 4096, 4096)}.
 * Names are the upstream state-dict names, verbatim; every error names the full name, the file,
 * expected and found, and what to do.
 *
 * <p>Tensors are zero-copy views of the mapped files unless a conversion is asked for, or the file
 * stores a type codi4j does not compute with but decodes at load (GGUF's Q4_1, Q5_0, Q5_1 and K-quants:
 * F16 as stored, see {@link dev.codi4j.loaders.gguf.GgufFile}). The root
 * view owns the sources: close it (or the object that owns it) when the model is no longer used.
 * All views of one root share a record of which tensors were fetched, so {@link #unused()} after
 * building a model lists the checkpoint entries the model never read (usually a naming bug).
 */
public interface Weights extends AutoCloseable {

    /** The prefix of this view, ending in '.' (or empty for the root). */
    String prefix();

    /** A view one level deeper: {@code pp("model").pp("layers")} reads {@code model.layers.*}. */
    Weights pp(String name);

    default Weights pp(int index) { return pp(Integer.toString(index)); }

    /** The full upstream name of {@code name} under this prefix. */
    default String fullName(String name) { return prefix() + name; }

    /** Whether a tensor exists under this prefix (does not count as a use). */
    boolean contains(String name);

    /** Shape and dtype of a tensor without reading it, or null when absent. */
    TensorInfo info(String name);

    /** The tensor in its stored dtype (F16 for a GGUF K-quant, dequantised), any shape. */
    Tensor get(String name);

    /**
     * The tensor in its stored dtype, checking its shape; -1 in {@code expectedShape} matches any size.
     * @throws WeightsException if missing, of another rank or size, or of a dtype codi4j cannot hold
     */
    Tensor get(String name, int... expectedShape);

    /**
     * The tensor converted to {@code dtype} (a view when it already is; otherwise a new host tensor,
     * e.g. F16 → F32, or F32/F16 → Q8_0 with GGML's reference quantisation), checking its shape. A
     * GGUF K-quant (Q4_K, ...) is decoded straight to F32, or via F32 to another floating dtype.
     */
    Tensor get(String name, DType dtype, int... expectedShape);

    /** The tensor if present (checking its shape when given), else empty. */
    Optional<Tensor> getOptional(String name, int... expectedShape);

    /** Names under this prefix, relative to it, sorted. */
    List<String> keys();

    /** Full names under this prefix that no view of the same root has fetched yet, sorted. */
    Set<String> unused();

    /** Merged metadata of the sources (safetensors {@code __metadata__}; later sources win). */
    Map<String, String> metadata();

    /** Closes the sources (a no-op on views made by {@link #pp}). */
    @Override void close();

    // ---- factories ---------------------------------------------------------------------------

    /**
     * Opens checkpoint files, each a {@code .safetensors}, a sharded {@code *.safetensors.index.json}
     * (or {@code pytorch_model.bin.index.json}), a {@code .gguf}, or a PyTorch {@code .pth/.pt/.bin/.ckpt}.
     * With several, later files override names of earlier ones (base checkpoint first, then deltas).
     */
    static Weights open(Path... files) throws IOException {
        List<TensorSource> sources = new ArrayList<>();
        try {
            for (Path f : files) sources.add(Checkpoints.open(f));
        } catch (IOException | RuntimeException e) {
            for (TensorSource s : sources) s.close();
            throw e;
        }
        return of(sources);
    }

    /** A view over sources (later ones override earlier ones). The view takes ownership of them. */
    static Weights of(List<? extends TensorSource> sources) { return SourceWeights.root(sources); }

    static Weights of(TensorSource... sources) { return of(List.of(sources)); }

    /** In-memory tensors, for tests and for weights built in code. */
    static Weights of(Map<String, Tensor> tensors) { return of(new MapSource(tensors, "in-memory tensors")); }
}
