package dev.codi4j.loaders.gguf;

import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Dequantisation of the GGML block types codi4j does not compute with (Q4_1, Q5_0, Q5_1, Q2_K,
 * Q3_K, Q4_K, Q5_K, Q6_K, Q8_K) into F32 or F16, done once when a tensor is loaded.
 *
 * <p>The block layouts and formulas are those of ggml ({@code ggml-common.h} block structs,
 * {@code dequantize_row_*} in {@code ggml-quants.c}); every value is computed in float32 in the same
 * order as gguf-py's numpy {@code dequantize_blocks} (e.g. Q4_K: {@code (d·sc)·q − (dmin·m)}), with no
 * fused multiply-add, so F32 results equal gguf-py's bit for bit. F16 output rounds those float32
 * values to nearest-even.
 *
 * <p>Work is done in chunks of whole blocks copied into a reused byte array; nothing is allocated per
 * block or per element, and every read is inside the array ({@link #dequantize} checks the source
 * holds exactly the blocks the output needs). Tensors of 2M elements or more are split into contiguous
 * block ranges decoded in parallel (common fork-join pool); the result does not depend on the split.
 */
final class GgmlDequant {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int QK_K = 256;
    /** Blocks per chunk: 64 K-quant blocks = 16384 elements. */
    private static final int CHUNK_BLOCKS = 64;
    /** Elements per parallel task at least (below 2 × this a tensor is done on the calling thread). */
    private static final long PARALLEL_MIN_ELEMENTS = 1 << 20;

    private GgmlDequant() {}

    /** Whether {@link #dequantize} handles {@code t}. */
    static boolean supports(GgmlType t) {
        return switch (t) {
            case Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    /**
     * Dequantises {@code src} (whole blocks of {@code type}) into the contiguous host tensor {@code out}
     * (F32 or F16, {@code blocks × blockSize} elements).
     */
    static void dequantize(GgmlType type, MemorySegment src, Tensor out) {
        if (!supports(type)) throw new IllegalArgumentException(type + " is not dequantised here");
        DType to = out.dtype();
        if (to != DType.F32 && to != DType.F16) throw new IllegalArgumentException("dequantises to F32 or F16, not " + to);
        long blocks = src.byteSize() / type.blockBytes;
        if (src.byteSize() != blocks * type.blockBytes || out.numel() != blocks * type.blockSize)
            throw new IllegalArgumentException(src.byteSize() + " bytes of " + type + " do not fill " + out.describe());
        MemorySegment dst = out.data();
        // large tensors in parallel: contiguous ranges of blocks, each with its own buffers, writing disjoint output
        int parts = (int) Math.min(Math.max(1, Runtime.getRuntime().availableProcessors()), Math.max(1, blocks * type.blockSize / PARALLEL_MIN_ELEMENTS));
        if (parts == 1) {
            range(type, src, dst, to, 0, blocks);
        } else {
            java.util.stream.IntStream.range(0, parts).parallel().forEach(p -> range(type, src, dst, to, blocks * p / parts, blocks * (p + 1) / parts));
        }
    }

    /** Dequantises blocks {@code [from, to)} of {@code src} into the same elements of {@code dst}. */
    private static void range(GgmlType type, MemorySegment src, MemorySegment dst, DType to, long from, long end) {
        byte[] buf = new byte[CHUNK_BLOCKS * type.blockBytes];
        float[] y = new float[CHUNK_BLOCKS * type.blockSize];
        short[] h = to == DType.F16 ? new short[y.length] : null;
        long dstElem = from * type.blockSize;
        for (long b0 = from; b0 < end; b0 += CHUNK_BLOCKS) {
            int n = (int) Math.min(CHUNK_BLOCKS, end - b0);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, b0 * type.blockBytes, buf, 0, n * type.blockBytes);
            for (int i = 0; i < n; i++) block(type, buf, i * type.blockBytes, y, i * type.blockSize);
            int m = n * type.blockSize;
            if (h == null) {
                MemorySegment.copy(y, 0, dst, F32_LE, dstElem * 4, m);
            } else {
                for (int i = 0; i < m; i++) h[i] = Float.floatToFloat16(y[i]);
                MemorySegment.copy(h, 0, dst, I16_LE, dstElem * 2, m);
            }
            dstElem += m;
        }
    }

    /** Dequantises one block of {@code type} at {@code b[o..]} into {@code y[yo .. yo + blockSize)}. */
    static void block(GgmlType type, byte[] b, int o, float[] y, int yo) {
        switch (type) {
            case Q4_1 -> q4_1(b, o, y, yo);
            case Q5_0 -> q5_0(b, o, y, yo);
            case Q5_1 -> q5_1(b, o, y, yo);
            case Q2_K -> q2_k(b, o, y, yo);
            case Q3_K -> q3_k(b, o, y, yo);
            case Q4_K -> q4_k(b, o, y, yo);
            case Q5_K -> q5_k(b, o, y, yo);
            case Q6_K -> q6_k(b, o, y, yo);
            case Q8_K -> q8_k(b, o, y, yo);
            default -> throw new IllegalArgumentException(type + " is not dequantised here");
        }
    }

    private static float f16(byte[] b, int o) { return Float.float16ToFloat((short) ((b[o] & 0xFF) | (b[o + 1] << 8))); }

    private static int u8(byte[] b, int o) { return b[o] & 0xFF; }

    private static int u32(byte[] b, int o) { return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16 | (b[o + 3] & 0xFF) << 24; }

    /** block_q4_1: fp16 d, fp16 m, 16 bytes of nibbles (low nibbles are elements 0-15, high 16-31); y = d·q + m. */
    private static void q4_1(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o), m = f16(b, o + 2);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 4 + l);
            y[yo + l] = d * (q & 0xF) + m;
            y[yo + l + 16] = d * (q >> 4) + m;
        }
    }

    /** block_q5_0: fp16 d, u32 qh (fifth bits), 16 bytes of nibbles; y = d·(q − 16). */
    private static void q5_0(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o);
        int qh = u32(b, o + 2);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 6 + l);
            y[yo + l] = d * (((q & 0xF) | ((qh >>> l) & 1) << 4) - 16);
            y[yo + l + 16] = d * (((q >> 4) | ((qh >>> (l + 16)) & 1) << 4) - 16);
        }
    }

    /** block_q5_1: fp16 d, fp16 m, u32 qh, 16 bytes of nibbles; y = d·q + m. */
    private static void q5_1(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o), m = f16(b, o + 2);
        int qh = u32(b, o + 4);
        for (int l = 0; l < 16; l++) {
            int q = u8(b, o + 8 + l);
            y[yo + l] = d * ((q & 0xF) | ((qh >>> l) & 1) << 4) + m;
            y[yo + l + 16] = d * ((q >> 4) | ((qh >>> (l + 16)) & 1) << 4) + m;
        }
    }

    /**
     * block_q2_K: 16 scale bytes (low nibble scale, high nibble min, one per 16 elements), 64 bytes of
     * 2-bit quants, fp16 d, fp16 dmin. Element e = 128g + 32j + l is bits 2j..2j+1 of qs[32g + l];
     * y = (d·sc)·q − (dmin·m).
     */
    private static void q2_k(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + 80), dmin = f16(b, o + 82);
        for (int g = 0; g < 2; g++) {
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {
                    int s = u8(b, o + g * 8 + j * 2 + half); // scale of elements 128g + 32j + 16half ..+15
                    float dl = d * (s & 0xF), ml = dmin * (s >> 4);
                    int qs = o + 16 + g * 32 + half * 16, ye = yo + g * 128 + j * 32 + half * 16;
                    for (int l = 0; l < 16; l++) y[ye + l] = dl * ((u8(b, qs + l) >> (2 * j)) & 3) - ml;
                }
            }
        }
    }

    /**
     * block_q3_K: 32 bytes hmask, 64 bytes of 2-bit quants, 12 bytes of packed 6-bit signed scales, fp16 d.
     * Element e = 128g + 32j + l: low bits 2j..2j+1 of qs[32g + l], minus 4 when bit e/32 of hmask[l] is 0;
     * y = (d·(scale − 32))·q.
     */
    private static void q3_k(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + 108);
        int sc = o + 96;
        for (int g = 0; g < 2; g++) {
            for (int j = 0; j < 4; j++) {
                for (int half = 0; half < 2; half++) {
                    int sb = g * 8 + j * 2 + half;
                    int low = sb < 8 ? u8(b, sc + sb) & 0xF : u8(b, sc + sb - 8) >> 4;
                    int high = (u8(b, sc + 8 + (sb & 3)) >> (2 * (sb >> 2))) & 3;
                    float dl = d * ((low | high << 4) - 32);
                    int bit = g * 4 + j, qs = o + 32 + g * 32, ye = yo + g * 128 + j * 32;
                    for (int l = half * 16; l < half * 16 + 16; l++) {
                        int ql = (u8(b, qs + l) >> (2 * j)) & 3;
                        int hbit = (u8(b, o + l) >> bit) & 1;
                        y[ye + l] = dl * (ql - ((hbit ^ 1) << 2));
                    }
                }
            }
        }
    }

    /** get_scale_min_k4: the 6-bit scale (which = 0) or min (which = 1) of sub-block j (0-7) from 12 packed bytes at {@code s}. */
    private static int scaleMinK4(byte[] b, int s, int j, int which) {
        if (j < 4) return u8(b, s + j + 4 * which) & 63;
        int md = u8(b, s + 8 + j - 4);
        int hi = (u8(b, s + j - 4 + 4 * which) >> 2) & 0x30;
        return (which == 0 ? md & 0xF : md >> 4) | hi;
    }

    /**
     * block_q4_K: fp16 d, fp16 dmin, 12 bytes of packed 6-bit scales/mins (8 sub-blocks of 32), 128
     * bytes of nibbles: element 64g + 32s + l is nibble s of qs[32g + l]; y = (d·sc)·q − (dmin·m).
     */
    private static void q4_k(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o), dmin = f16(b, o + 2);
        for (int sb = 0; sb < 8; sb++) {
            float dl = d * scaleMinK4(b, o + 4, sb, 0), ml = dmin * scaleMinK4(b, o + 4, sb, 1);
            int g = sb >> 1, shift = 4 * (sb & 1);
            for (int l = 0; l < 32; l++) y[yo + sb * 32 + l] = dl * ((u8(b, o + 16 + g * 32 + l) >> shift) & 0xF) - ml;
        }
    }

    /** block_q5_K: as Q4_K plus 32 bytes qh before the nibbles; bit {@code e/32} of qh[l] is the fifth bit. */
    private static void q5_k(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o), dmin = f16(b, o + 2);
        for (int sb = 0; sb < 8; sb++) {
            float dl = d * scaleMinK4(b, o + 4, sb, 0), ml = dmin * scaleMinK4(b, o + 4, sb, 1);
            int g = sb >> 1, shift = 4 * (sb & 1);
            for (int l = 0; l < 32; l++) {
                int q = ((u8(b, o + 48 + g * 32 + l) >> shift) & 0xF) | ((u8(b, o + 16 + l) >> sb) & 1) << 4;
                y[yo + sb * 32 + l] = dl * q - ml;
            }
        }
    }

    /**
     * block_q6_K: 128 bytes low nibbles, 64 bytes high 2-bit pairs, 16 signed 8-bit scales, fp16 d.
     * For half g and l &lt; 32, qh[32g + l] holds the high bits of elements 128g + l, +32, +64, +96,
     * whose low nibbles are ql[64g + l] low, ql[64g + 32 + l] low, ql[64g + l] high, ql[64g + 32 + l]
     * high; y = (d·sc)·(q − 32), sc one per 16 elements.
     */
    private static void q6_k(byte[] b, int o, float[] y, int yo) {
        float d = f16(b, o + 208);
        for (int g = 0; g < 2; g++) {
            int ql = o + g * 64, qh = o + 128 + g * 32, sc = o + 192 + g * 8, ye = yo + g * 128;
            for (int half = 0; half < 2; half++) {
                float d0 = d * b[sc + half], d1 = d * b[sc + half + 2], d2 = d * b[sc + half + 4], d3 = d * b[sc + half + 6];
                for (int l = half * 16; l < half * 16 + 16; l++) {
                    int h = u8(b, qh + l), lo = u8(b, ql + l), hi = u8(b, ql + 32 + l);
                    y[ye + l] = d0 * (((lo & 0xF) | (h & 3) << 4) - 32);
                    y[ye + l + 32] = d1 * (((hi & 0xF) | ((h >> 2) & 3) << 4) - 32);
                    y[ye + l + 64] = d2 * (((lo >> 4) | ((h >> 4) & 3) << 4) - 32);
                    y[ye + l + 96] = d3 * (((hi >> 4) | ((h >> 6) & 3) << 4) - 32);
                }
            }
        }
    }

    /** block_q8_K: float32 d, 256 signed bytes, 16 int16 block sums (unused here); y = d·q. */
    private static void q8_k(byte[] b, int o, float[] y, int yo) {
        float d = Float.intBitsToFloat(u32(b, o));
        for (int l = 0; l < QK_K; l++) y[yo + l] = d * b[o + 4 + l];
    }
}
