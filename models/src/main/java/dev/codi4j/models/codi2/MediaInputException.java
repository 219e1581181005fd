package dev.codi4j.models.codi2;

/** A media input could not be used: the file is missing or unreadable. The message names the file and the fix. */
public class MediaInputException extends IllegalArgumentException {
    public MediaInputException(String message) { super(message); }
    public MediaInputException(String message, Throwable cause) { super(message, cause); }
}
