package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/** {@code nn.Linear}: y = x·Wᵀ + b with W (out, in) in any weight dtype, b (out) F32 or absent. */
public record Linear(Tensor weight, Tensor bias) {

    public int in() { return weight.dim(1); }
    public int out() { return weight.dim(0); }

    /**
     * Reads {@code weight} (and {@code bias} when {@code hasBias}) under {@code w}'s prefix.
     * @param weightDType the dtype to hold the weight in (null keeps the stored dtype, e.g. F16 or Q4_0)
     */
    public static Linear load(Backend b, Weights w, int in, int out, boolean hasBias, DType weightDType) {
        Tensor weight = weightDType == null ? w.get("weight", out, in) : w.get("weight", weightDType, out, in);
        Tensor bias = hasBias ? w.get("bias", DType.F32, out) : null;
        return new Linear(b.toDevice(weight), bias == null ? null : b.toDevice(bias));
    }

    public static Linear load(Backend b, Weights w, int in, int out, boolean hasBias) { return load(b, w, in, out, hasBias, null); }

    /** x (..., in) → (..., out). */
    public Tensor forward(Backend b, Tensor x) { return b.linear(x, weight, bias); }

    public void forward(Backend b, Tensor x, Tensor out) { b.linear(x, weight, bias, out); }
}
