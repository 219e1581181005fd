package dev.codi4j.loaders;

import java.lang.foreign.MemorySegment;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import dev.codi4j.tensor.Numerics;

/**
 * Little-endian cursor over a segment for binary formats. Every read is bounds-checked against the
 * segment and fails with a {@link FormatException} naming the source and the field being read, so a
 * parser built on it cannot read outside its input. Lengths read from the input are checked against
 * what is left before anything is allocated.
 */
public final class SegmentReader {
    private final MemorySegment seg;
    private final String source;
    private long pos;

    public SegmentReader(MemorySegment seg, String source) {
        this.seg = seg;
        this.source = source;
    }

    public String source() { return source; }
    public long position() { return pos; }
    public long size() { return seg.byteSize(); }
    public long remaining() { return seg.byteSize() - pos; }
    public MemorySegment segment() { return seg; }

    public void seek(long p, String what) throws FormatException {
        if (p < 0 || p > seg.byteSize()) throw fail(what + " offset " + p + " is outside the data (" + seg.byteSize() + " bytes)");
        pos = p;
    }

    public void require(long n, String what) throws FormatException {
        if (n < 0 || n > remaining())
            throw fail("truncated while reading " + what + ": needs " + n + " bytes at offset " + pos + ", " + remaining() + " left");
    }

    public FormatException fail(String message) { return new FormatException(source, message); }

    public int u8(String what) throws FormatException { require(1, what); return seg.get(Numerics.I8, pos++) & 0xFF; }
    public byte i8(String what) throws FormatException { require(1, what); return seg.get(Numerics.I8, pos++); }
    public short i16(String what) throws FormatException { require(2, what); short v = seg.get(Numerics.I16, pos); pos += 2; return v; }
    public int u16(String what) throws FormatException { return i16(what) & 0xFFFF; }
    public int i32(String what) throws FormatException { require(4, what); int v = seg.get(Numerics.I32, pos); pos += 4; return v; }
    public long u32(String what) throws FormatException { return i32(what) & 0xFFFFFFFFL; }
    public long i64(String what) throws FormatException { require(8, what); long v = seg.get(Numerics.I64, pos); pos += 8; return v; }
    public float f32(String what) throws FormatException { return Float.intBitsToFloat(i32(what)); }
    public double f64(String what) throws FormatException { return Double.longBitsToDouble(i64(what)); }

    /** A big-endian read for the few big-endian fields (pickle's BINFLOAT). */
    public long i64be(String what) throws FormatException { return Long.reverseBytes(i64(what)); }

    /** A non-negative length that must fit in what is left, each item taking at least {@code minItemBytes}. */
    public long length(long raw, long minItemBytes, String what) throws FormatException {
        if (raw < 0) throw fail(what + " is negative (" + raw + ")");
        if (minItemBytes > 0 && raw > remaining() / minItemBytes)
            throw fail(what + " claims " + raw + " items of at least " + minItemBytes + " bytes but only " + remaining() + " bytes are left");
        return raw;
    }

    public byte[] bytes(long n, String what) throws FormatException {
        if (n > Integer.MAX_VALUE - 8) throw fail(what + " of " + n + " bytes is too large");
        require(n, what);
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, Numerics.I8, pos, b, 0, (int) n);
        pos += n;
        return b;
    }

    public void skip(long n, String what) throws FormatException { require(n, what); pos += n; }

    /** Strict UTF-8 (malformed input is an error, not replacement characters). */
    public String utf8(long n, String what) throws FormatException { return decodeUtf8(bytes(n, what), source, what); }

    public static String decodeUtf8(byte[] b, String source, String what) throws FormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new FormatException(source, what + " is not valid UTF-8");
        }
    }
}
