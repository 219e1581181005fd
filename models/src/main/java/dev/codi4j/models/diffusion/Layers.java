package dev.codi4j.models.diffusion;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.nn.Conv;
import dev.codi4j.models.nn.GroupNorm;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/**
 * Loading of the diffusion networks' layers with one weight-dtype policy, and the few layout
 * helpers the blocks share. Weight policy: {@code null} keeps each tensor's stored dtype (an fp16
 * checkpoint stays fp16, zero copy); F32/F16/BF16 convert at load; Q8_0/Q4_0 quantise linear
 * layers only (convolution kernels, 3×3 = 9 values per row, cannot hold 32-value blocks, so they
 * become F16). Norm parameters and biases are always F32.
 */
public record Layers(Backend backend, DType weightDType) {

    public Linear linear(Weights w, int in, int out, boolean bias) {
        return Linear.load(backend, w, in, out, bias, weightDType);
    }

    /** A conv2d with square kernel and symmetric padding. */
    public Conv conv(Weights w, int in, int out, int kernel, int stride, int padding) {
        return conv(w, in, out, kernel, stride, new int[] {padding, padding, padding, padding});
    }

    /** A conv2d with per-side padding {top, bottom, left, right}. */
    public Conv conv(Weights w, int in, int out, int kernel, int stride, int[] padding) {
        DType dt = weightDType == null ? null : weightDType.isQuantized() ? DType.F16 : weightDType;
        Tensor weight = dt == null ? w.get("weight", out, in, kernel, kernel) : w.get("weight", dt, out, in, kernel, kernel);
        if (weight.dtype().isQuantized()) weight = w.get("weight", DType.F16, out, in, kernel, kernel);
        Tensor bias = w.get("bias", DType.F32, out); // every convolution of the SD networks has one
        return new Conv(backend.toDevice(weight), bias == null ? null : backend.toDevice(bias), new int[] {stride, stride}, padding, new int[] {1, 1}, 1);
    }

    public GroupNorm groupNorm(Weights w, int groups, int channels, double eps) {
        return GroupNorm.load(backend, w, groups, channels, (float) eps);
    }

    public LayerNorm layerNorm(Weights w, int dim, double eps) {
        return LayerNorm.load(backend, w, dim, (float) eps);
    }

    /** x ← silu(x), in place. */
    public static Tensor siluInPlace(Backend b, Tensor x) {
        b.unary(UnaryOp.SILU, x, x);
        return x;
    }

    /** (B, C, H, W) → (B, H·W, C), contiguous (the token layout of the attention blocks). */
    public static Tensor toTokens(Backend b, Tensor x) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        Tensor out = b.empty(DType.F32, n, h, w, c);
        b.copy(x.permute(0, 2, 3, 1), out);
        return out.view(n, h * w, c);
    }

    /** (B, H·W, C) → (B, C, H, W), contiguous. */
    public static Tensor fromTokens(Backend b, Tensor x, int h, int w) {
        int n = x.dim(0), c = x.dim(2);
        Tensor out = b.empty(DType.F32, n, c, h, w);
        b.copy(x.view(n, h, w, c).permute(0, 3, 1, 2), out);
        return out;
    }
}
