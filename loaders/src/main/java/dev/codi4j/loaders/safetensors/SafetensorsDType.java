package dev.codi4j.loaders.safetensors;

import dev.codi4j.tensor.DType;

/** The dtype names of the safetensors format, their bit widths, and the codi4j dtype each maps to (if any). */
enum SafetensorsDType {
    BOOL(8, DType.BOOL), U8(8, DType.U8), I8(8, DType.I8),
    F8_E5M2(8, null), F8_E4M3(8, null), F8_E8M0(8, null), F4(4, null), F6_E2M3(6, null), F6_E3M2(6, null),
    I16(16, null), U16(16, null), F16(16, DType.F16), BF16(16, DType.BF16),
    I32(32, DType.I32), U32(32, null), F32(32, DType.F32),
    F64(64, null), I64(64, DType.I64), U64(64, null), C64(64, null);

    final int bits;
    final DType dtype;

    SafetensorsDType(int bits, DType dtype) {
        this.bits = bits;
        this.dtype = dtype;
    }

    static SafetensorsDType byName(String s) {
        for (SafetensorsDType d : values()) if (d.name().equals(s)) return d;
        return null;
    }

    /** The safetensors name of one of our dtypes, or null when safetensors cannot store it (Q8_0, Q4_0). */
    static String nameOf(DType d) {
        for (SafetensorsDType s : values()) if (s.dtype == d) return s.name();
        return null;
    }
}
