package dev.codi4j.kernels.cpu.matmul;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector species and element conversions shared by the matrix kernels.
 *
 * <p>All species derive from the preferred float species (512-bit on AVX-512, 256-bit on AVX2), so a
 * loop that reads 16-bit or 8-bit values loads exactly the bytes that widen into one float vector.
 * They are static finals, which C2 folds to constants, so none of the generic code below costs a
 * branch at run time.
 */
final class Vec {
    private Vec() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Lanes of a float vector. */
    static final int L = F.length();
    /** Half-width shorts: L of them widen to one int/float vector. */
    static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * True when a quarter-width byte vector exists (float vectors of 256 bits or more). With 128-bit
     * vectors (NEON) the 8-bit weight paths fall back to scalar code.
     */
    static final boolean WIDE = F.vectorBitSize() >= 256;
    /** Quarter-width bytes: L of them widen to one int/float vector (only meaningful when {@link #WIDE}). */
    static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * IEEE half → float, exact, for L lanes (the Vector API has no half conversion op). The
     * exponent/mantissa bits shifted into float position and multiplied by 2^112 re-bias the
     * exponent and turn half subnormals into float normals exactly; Inf/NaN (exponent all ones)
     * get the float exponent forced to all ones; the sign comes from the sign-extended short.
     */
    static FloatVector halfToFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector em = i.and(0x7fff);
        return em.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts()
                .or(i.and(0x80000000))
                .lanewise(VectorOperators.OR, 0x7f800000, em.compare(VectorOperators.GT, 0x7bff))
                .reinterpretAsFloats();
    }

    /** bfloat16 → float: the 16 bits are the top half of the float. */
    static FloatVector bf16ToFloat(ShortVector h) {
        IntVector i = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
