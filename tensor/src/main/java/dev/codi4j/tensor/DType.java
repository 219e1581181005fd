package dev.codi4j.tensor;

/**
 * Element types. The block-quantised types use exactly GGML's block layouts, so a GGUF tensor maps
 * onto a {@link Tensor} without conversion:
 * <ul>
 *   <li>{@code Q8_0}: blocks of 32 values, {@code {f16 d; int8 qs[32];}} (34 bytes), x = d·q</li>
 *   <li>{@code Q4_0}: blocks of 32 values, {@code {f16 d; uint8 qs[16];}} (18 bytes); value j is
 *   {@code (qs[j] & 0xF) - 8} and value j+16 is {@code (qs[j] >> 4) - 8}, times d</li>
 * </ul>
 */
public enum DType {
    F32(1, 4, true),
    F16(1, 2, true),
    BF16(1, 2, true),
    I8(1, 1, false),
    U8(1, 1, false),
    BOOL(1, 1, false),
    I32(1, 4, false),
    I64(1, 8, false),
    Q8_0(32, 34, true),
    Q4_0(32, 18, true);

    private final int blockSize;
    private final int blockBytes;
    private final boolean floating;

    DType(int blockSize, int blockBytes, boolean floating) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.floating = floating;
    }

    /** Elements per block: 1 for plain types, 32 for the GGML block types. */
    public int blockSize() { return blockSize; }

    /** Bytes per block (for plain types, bytes per element). */
    public int blockBytes() { return blockBytes; }

    public boolean isQuantized() { return blockSize > 1; }

    /** True for types that hold real numbers (floats and quantised floats). */
    public boolean isFloating() { return floating; }

    /** Bytes needed for {@code elements} consecutive elements; a multiple of the block size for block types. */
    public long byteSize(long elements) {
        if (blockSize == 1) return elements * blockBytes;
        if (elements % blockSize != 0) {
            throw new ShapeException(this + " holds whole blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        }
        return elements / blockSize * blockBytes;
    }

    /** Average bits per element (4.5 for Q4_0, 8.5 for Q8_0). */
    public double bitsPerElement() { return 8.0 * blockBytes / blockSize; }

    /** Parses names as used by safetensors, GGUF tools and our CLI: f32, float16, bf16, q8_0, ... */
    public static DType parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT);
        return switch (n) {
            case "F32", "FLOAT", "FLOAT32", "FP32" -> F32;
            case "F16", "HALF", "FLOAT16", "FP16" -> F16;
            case "BF16", "BFLOAT16" -> BF16;
            case "I8", "INT8" -> I8;
            case "U8", "UINT8" -> U8;
            case "BOOL" -> BOOL;
            case "I32", "INT32", "INT" -> I32;
            case "I64", "INT64", "LONG" -> I64;
            case "Q8_0", "Q8" -> Q8_0;
            case "Q4_0", "Q4" -> Q4_0;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "'; expected one of f32, f16, bf16, i8, u8, bool, i32, i64, q8_0, q4_0");
        };
    }
}
