package dev.codi4j.loaders.gguf;

/** Types of GGUF metadata values, numbered as in the file. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12), UINT64(8), INT64(8), FLOAT64(8);

    /** The least number of bytes one value of this type takes in a file (a string's length field, an array's header). */
    final int minBytes;

    GgufValueType(int minBytes) { this.minBytes = minBytes; }

    static GgufValueType byId(long id) {
        return id >= 0 && id < values().length ? values()[(int) id] : null;
    }

    public int id() { return ordinal(); }

    boolean isScalarNumber() { return this != STRING && this != ARRAY && this != BOOL; }
}
