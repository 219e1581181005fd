package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/** {@code nn.Embedding}: rows of a (vocab, dim) table in any floating dtype. */
public record Embedding(Tensor table) {
    public static Embedding load(Backend b, Weights w, int vocab, int dim, DType dtype) {
        Tensor t = dtype == null ? w.get("weight", vocab, dim) : w.get("weight", dtype, vocab, dim);
        return new Embedding(b.toDevice(t));
    }

    /** ids (...) I32 → (..., dim) F32. */
    public Tensor forward(Backend b, Tensor ids) { return b.embedding(table, ids); }
}
