package dev.codi4j.loaders.gguf;

import dev.codi4j.tensor.DType;

/**
 * GGML tensor types as numbered in GGUF files, with their block size and bytes per block (gguf-py's
 * GGML_QUANT_SIZES). Some map to a codi4j {@link DType} and are read zero copy; Q4_1, Q5_0, Q5_1 and
 * the K-quants Q2_K to Q8_K are {@linkplain #dequantized() dequantised at load} (to F16 when read as
 * stored); the others (IQ*, TQ*, Q8_1, MXFP4, I16, F64) can be listed and sized (so a file using them
 * still validates) but not read.
 */
public enum GgmlType {
    F32(0, 1, 4, DType.F32), F16(1, 1, 2, DType.F16), Q4_0(2, 32, 18, DType.Q4_0), Q4_1(3, 32, 20, null),
    Q5_0(6, 32, 22, null), Q5_1(7, 32, 24, null), Q8_0(8, 32, 34, DType.Q8_0), Q8_1(9, 32, 40, null),
    Q2_K(10, 256, 84, null), Q3_K(11, 256, 110, null), Q4_K(12, 256, 144, null), Q5_K(13, 256, 176, null),
    Q6_K(14, 256, 210, null), Q8_K(15, 256, 292, null), IQ2_XXS(16, 256, 66, null), IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null), IQ1_S(19, 256, 50, null), IQ4_NL(20, 32, 18, null), IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null), IQ4_XS(23, 256, 136, null), I8(24, 1, 1, DType.I8), I16(25, 1, 2, null),
    I32(26, 1, 4, DType.I32), I64(27, 1, 8, DType.I64), F64(28, 1, 8, null), IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, DType.BF16), TQ1_0(34, 256, 54, null), TQ2_0(35, 256, 66, null), MXFP4(39, 32, 17, null);

    public final int id;
    public final int blockSize;
    public final int blockBytes;
    /** Our dtype, or null when codi4j cannot hold this type. */
    public final DType dtype;

    GgmlType(int id, int blockSize, int blockBytes, DType dtype) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.dtype = dtype;
    }

    /** Whether codi4j reads this type by dequantising it at load (it has no {@link DType} of its own). */
    public boolean dequantized() { return dtype == null && GgmlDequant.supports(this); }

    /**
     * The dtype a tensor of this type has once read as stored: {@link #dtype} for the types codi4j
     * holds, F16 for the {@linkplain #dequantized() dequantised} ones, null when it cannot be read.
     */
    public DType loadDType() { return dtype != null ? dtype : dequantized() ? DType.F16 : null; }

    /** Whether {@code fileDType} (a {@code TensorInfo.fileDType()}) names a GGML type codi4j dequantises at load. */
    public static boolean isDequantized(String fileDType) {
        for (GgmlType t : values()) if (t.name().equals(fileDType)) return t.dequantized();
        return false;
    }

    public static GgmlType byId(long id) {
        for (GgmlType t : values()) if (t.id == id) return t;
        return null;
    }

    public static GgmlType of(DType d) {
        for (GgmlType t : values()) if (t.dtype == d) return t;
        throw new IllegalArgumentException(d + " has no GGML type (GGUF stores F32, F16, BF16, Q8_0, Q4_0, I8, I32, I64)");
    }
}
