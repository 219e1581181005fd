package dev.codi4j.loaders.tokenizer;

/**
 * A tokenizer file or argument that cannot be used. The message names the file (or argument), what was
 * expected, what was found, and what to do about it.
 */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
