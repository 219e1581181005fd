package dev.codi4j.tensor;

/** A tensor's shape, dtype or layout does not fit the operation; the message names both sides. */
public class ShapeException extends IllegalArgumentException {
    public ShapeException(String message) { super(message); }
}
