package dev.codi4j.models.codi2;

/**
 * Receives a turn as it happens: text as it streams, the stage the turn is in, step progress of long
 * stages, and each image when it is done. Called on the thread that called {@link
 * Conversation#send}; keep the work short. All methods default to doing nothing.
 */
public interface ReplyListener {

    /** Stages of a turn. */
    enum Stage { ENCODING_MEDIA, READING_PROMPT, WRITING_REPLY, PAINTING_IMAGE }

    /** Reply text completed by the latest token (may be empty while a character is incomplete). */
    default void onText(String delta) {}

    /** A stage begins; {@code detail} says what it works on (e.g. "image 1 of 2, cat.png"). */
    default void onStage(Stage stage, String detail) {}

    /** {@code done} of {@code total} steps of the current stage (tokens, diffusion steps). */
    default void onProgress(Stage stage, int done, int total) {}

    /** An image was painted. */
    default void onImage(GeneratedImage image) {}

    /** A listener that ignores everything. */
    ReplyListener NONE = new ReplyListener() {};
}
