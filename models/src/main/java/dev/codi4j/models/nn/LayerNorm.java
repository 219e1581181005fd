package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/** {@code nn.LayerNorm} over the last dimension. */
public record LayerNorm(Tensor weight, Tensor bias, float eps) {
    public static LayerNorm load(Backend b, Weights w, int dim, float eps) {
        return new LayerNorm(b.toDevice(w.get("weight", DType.F32, dim)), b.toDevice(w.get("bias", DType.F32, dim)), eps);
    }

    public Tensor forward(Backend b, Tensor x) { return b.layerNorm(x, weight, bias, eps); }
}
