package dev.codi4j.models.llama;

/**
 * The tokens given would not fit in the KV cache of a {@link LlamaState}. Nothing was computed and
 * the state is unchanged, so the caller may shorten the input, start over, or make a larger state.
 */
public final class ContextLengthException extends IllegalArgumentException {
    private final int position, requested, capacity;

    public ContextLengthException(int position, int requested, int capacity, int modelMax) {
        super(requested + " more token" + (requested == 1 ? "" : "s") + " at position " + position + " exceed the context of " + capacity
                + " tokens this state was made with" + (capacity < modelMax ? " (the model allows up to " + modelMax + "; pass a larger context length, e.g. --ctx " + modelMax + ")" : " (the model's maximum)")
                + "; shorten the prompt or start a new conversation");
        this.position = position;
        this.requested = requested;
        this.capacity = capacity;
    }

    /** Tokens already in the cache. */
    public int position() { return position; }
    /** Tokens that were to be added. */
    public int requested() { return requested; }
    /** Size of the KV cache in tokens. */
    public int capacity() { return capacity; }
}
