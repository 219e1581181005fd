package dev.codi4j.models.codi2;

/**
 * A turn would not fit in the conversation's context window (the LLM's KV cache). Nothing was
 * computed and the conversation is unchanged: send less (fewer or no media, shorter text), start a
 * new conversation, or configure a larger {@code context_length}.
 */
public class PromptTooLongException extends IllegalArgumentException {
    private final int rows, remaining, capacity;

    public PromptTooLongException(String message, int rows, int remaining, int capacity) {
        super(message);
        this.rows = rows;
        this.remaining = remaining;
        this.capacity = capacity;
    }

    /** Sequence positions the turn needs (tokens plus media feature rows). */
    public int rows() { return rows; }
    /** Positions still free in the context before this turn. */
    public int remaining() { return remaining; }
    /** The context window in positions. */
    public int capacity() { return capacity; }
}
