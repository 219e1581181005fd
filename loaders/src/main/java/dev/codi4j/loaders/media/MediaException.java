package dev.codi4j.loaders.media;

/**
 * A media file could not be decoded or encoded. The message always names the source (file name or
 * the label given for in-memory bytes), what was wrong (expected vs found where that applies) and
 * what the caller can do about it. Every decoder in this package wraps whatever a third-party
 * library throws on bad input into this type, so callers need one catch.
 */
public class MediaException extends RuntimeException {
    private final String source;

    public MediaException(String source, String problem, String fix) {
        this(source, problem, fix, null);
    }

    public MediaException(String source, String problem, String fix, Throwable cause) {
        super(source + ": " + problem + (fix == null || fix.isEmpty() ? "" : ". " + fix), cause);
        this.source = source;
    }

    /** The file name or label of the media this error is about. */
    public String source() { return source; }
}
