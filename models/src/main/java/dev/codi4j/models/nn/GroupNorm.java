package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/** {@code nn.GroupNorm} over (N, C, *spatial). */
public record GroupNorm(int groups, Tensor weight, Tensor bias, float eps) {
    public static GroupNorm load(Backend b, Weights w, int groups, int channels, float eps) {
        return new GroupNorm(groups, b.toDevice(w.get("weight", DType.F32, channels)), b.toDevice(w.get("bias", DType.F32, channels)), eps);
    }

    public Tensor forward(Backend b, Tensor x) { return b.groupNorm(x, groups, weight, bias, eps); }
}
