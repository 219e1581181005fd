package dev.codi4j.loaders.tokenizer;

/**
 * SentencePiece's piece types. The numbers are the protobuf enum values, which GGUF's
 * {@code tokenizer.ggml.token_type} uses too.
 */
public enum PieceType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    private final int code;

    PieceType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with protobuf/GGUF number {@code code}, or null if there is none. */
    public static PieceType fromCode(int code) {
        return code >= 1 && code <= 6 ? values()[code - 1] : null;
    }
}
