package dev.codi4j.models.nn;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;

/**
 * {@code nn.Conv1d/2d/3d}: weight (out, in/groups, *kernel), optional bias. {@code padding} holds one
 * value per spatial dimension, or two (before, after) for asymmetric padding.
 */
public record Conv(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {

    /**
     * Reads a convolution under {@code w}'s prefix; {@code kernel} gives the kernel size per spatial
     * dimension. Weights are held as F32 unless {@code weightDType} says otherwise.
     */
    public static Conv load(Backend b, Weights w, int in, int out, int[] kernel, int[] stride, int[] padding, int groups, boolean hasBias, DType weightDType) {
        int[] shape = new int[kernel.length + 2];
        shape[0] = out;
        shape[1] = in / groups;
        System.arraycopy(kernel, 0, shape, 2, kernel.length);
        Tensor weight = w.get("weight", weightDType == null ? DType.F32 : weightDType, shape);
        Tensor bias = hasBias ? w.get("bias", DType.F32, out) : null;
        int[] dil = new int[kernel.length];
        java.util.Arrays.fill(dil, 1);
        return new Conv(b.toDevice(weight), bias == null ? null : b.toDevice(bias), stride, padding, dil, groups);
    }

    /** A square 2-D convolution with symmetric padding. */
    public static Conv load2d(Backend b, Weights w, int in, int out, int kernel, int stride, int padding, boolean hasBias) {
        return load(b, w, in, out, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, 1, hasBias, null);
    }

    public int outChannels() { return weight.dim(0); }

    public Tensor forward(Backend b, Tensor x) { return b.conv(x, weight, bias, stride, padding, dilation, groups); }
}
