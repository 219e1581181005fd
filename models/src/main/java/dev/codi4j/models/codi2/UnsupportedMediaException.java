package dev.codi4j.models.codi2;

/**
 * A media input is of a kind or format CoDi-2 cannot take here: an unknown file type, a file that
 * does not decode, or a modality the configured encoder cannot encode. The message names the input
 * and what would work.
 */
public class UnsupportedMediaException extends MediaInputException {
    public UnsupportedMediaException(String message) { super(message); }
    public UnsupportedMediaException(String message, Throwable cause) { super(message, cause); }
}
