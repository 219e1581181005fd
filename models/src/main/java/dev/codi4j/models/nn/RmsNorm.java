package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/** Llama's RMSNorm over the last dimension. */
public record RmsNorm(Tensor weight, float eps) {
    public static RmsNorm load(Backend b, Weights w, int dim, float eps) {
        return new RmsNorm(b.toDevice(w.get("weight", DType.F32, dim)), eps);
    }

    public Tensor forward(Backend b, Tensor x) { return b.rmsNorm(x, weight, eps); }

    public void forward(Backend b, Tensor x, Tensor out) { b.rmsNorm(x, weight, eps, out); }
}
