package dev.codi4j.loaders.weights;

import dev.codi4j.tensor.DType;
import java.util.Arrays;

/**
 * What a checkpoint says about one tensor, before it is read.
 *
 * @param name the tensor's name in the file (upstream state-dict name, or GGUF name)
 * @param fileDType the dtype as the file spells it ("F16", "F64", "q8_0", "torch.HalfStorage", ...)
 * @param dtype the dtype a plain read returns (for GGUF K-quants and other dequantised types, F16), or null
 *     when codi4j cannot read the type (the tensor is listed only)
 * @param shape PyTorch-order shape
 * @param file the file holding the data, for messages
 */
public record TensorInfo(String name, String fileDType, DType dtype, int[] shape, String file) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override public int[] shape() { return shape.clone(); }

    public long numel() {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    public String describe() { return (dtype == null ? fileDType : dtype.toString()) + Arrays.toString(shape); }

    @Override public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && fileDType.equals(t.fileDType) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && file.equals(t.file);
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return name + " " + describe() + " in " + file; }
}
