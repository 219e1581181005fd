package dev.codi4j.loaders.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A bounds-checked reader of protobuf wire format over a byte array: just what a SentencePiece
 * {@code ModelProto} needs. Every length is checked against the bytes that remain before it is used, so a
 * corrupt file fails with a {@link TokenizerException} rather than an out-of-bounds read or a huge allocation.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final String source;
    private int pos;
    private final int limit;

    ProtoReader(byte[] buf, int from, int to, String source) {
        this.buf = buf;
        this.pos = from;
        this.limit = to;
        this.source = source;
    }

    boolean hasMore() {
        return pos < limit;
    }

    int position() {
        return pos;
    }

    /** Reads a tag; returns it (field number << 3 | wire type). */
    int readTag() {
        long tag = readVarint();
        if (tag <= 0 || tag > 0xFFFFFFFFL || (tag >>> 3) == 0) {
            throw corrupt("a field tag", "value " + tag);
        }
        return (int) tag;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                throw corrupt("a varint", "the end of the message");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt("a varint of at most 10 bytes", "a longer one");
    }

    float readFloat() {
        if (limit - pos < 4) {
            throw corrupt("4 bytes of a float", (limit - pos) + " bytes");
        }
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** Reads a length prefix and returns a reader over exactly those bytes, advancing past them. */
    ProtoReader readMessage() {
        int len = readLength();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len, source);
        pos += len;
        return sub;
    }

    byte[] readBytes() {
        int len = readLength();
        byte[] b = new byte[len];
        System.arraycopy(buf, pos, b, 0, len);
        pos += len;
        return b;
    }

    String readString() {
        int len = readLength();
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, len)).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw corrupt("a UTF-8 string", "malformed UTF-8 at byte " + pos);
        }
    }

    private int readLength() {
        long len = readVarint();
        if (len < 0 || len > limit - pos) {
            throw corrupt("a length of at most " + (limit - pos) + " bytes", String.valueOf(len));
        }
        return (int) len;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> advance(8);
            case LEN -> advance(readLength());
            case FIXED32 -> advance(4);
            default -> throw corrupt("a wire type of 0, 1, 2 or 5", String.valueOf(wireType));
        }
    }

    void expect(int wireType, int actual, String field) {
        if (wireType != actual) {
            throw corrupt("wire type " + wireType + " for " + field, "wire type " + actual);
        }
    }

    private void advance(int n) {
        if (n > limit - pos) {
            throw corrupt(n + " more bytes", (limit - pos) + " bytes");
        }
        pos += n;
    }

    TokenizerException corrupt(String expected, String found) {
        return new TokenizerException(source + ": not a valid SentencePiece model (protobuf): expected " + expected
                + " at byte " + pos + ", found " + found + ". The file is truncated or not a tokenizer.model; "
                + "download it again (Llama-2's is 499,723 bytes).");
    }
}
