package dev.codi4j.loaders;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The bytes of a file do not follow its format (corrupt, truncated, hostile or simply not the kind
 * of file expected). The message names the file, what was expected, what was found and, where
 * possible, what to do. Readers throw only this (or a plain {@link IOException} for I/O failures)
 * for bad input: never an out-of-bounds read, never an {@link OutOfMemoryError} from a lying length.
 */
public class FormatException extends IOException {
    private final String source;

    public FormatException(String source, String message) {
        super(source + ": " + message);
        this.source = source;
    }

    public FormatException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.source = source;
    }

    public FormatException(Path file, String message) { this(String.valueOf(file), message); }

    /** The file (or entry inside a file) that is malformed. */
    public String source() { return source; }
}
