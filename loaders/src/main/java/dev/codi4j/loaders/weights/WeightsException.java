package dev.codi4j.loaders.weights;

/**
 * A tensor a model asked for is missing, or has another shape or dtype than the model expects. The
 * message names the full upstream tensor name, the file, expected and found, and what to do.
 */
public class WeightsException extends IllegalArgumentException {
    public WeightsException(String message) { super(message); }
    public WeightsException(String message, Throwable cause) { super(message, cause); }
}
