package dev.codi4j.loaders.tokenizer;

/**
 * Decodes tokens one at a time, e.g. while a model generates them. Each {@link #next(int)} returns the text
 * that became complete with that token (possibly empty: a byte-fallback token may carry the first byte of a
 * character whose other bytes come later); {@link #finish()} returns what is left. The concatenation of all
 * returned strings equals {@link Tokenizer#decode(int[], DecodeOptions)} of the same ids. Not thread-safe:
 * one instance per stream.
 */
public final class StreamingDecoder {

    /** How one tokenizer family renders one token into the stream. */
    interface Renderer {
        void render(int id, StreamingDecoder d);
    }

    private final Renderer renderer;
    private final Utf8Accumulator bytes;
    final DecodeOptions options;
    private final StringBuilder out = new StringBuilder();
    private boolean emitted;
    /** SentencePiece's is_bos_ws / bos_ws_seen state, kept here for the renderers. */
    boolean bosWs;
    boolean bosWsSeen;

    StreamingDecoder(Renderer renderer, Utf8Accumulator.Mode mode, DecodeOptions options) {
        this.renderer = renderer;
        this.bytes = new Utf8Accumulator(mode);
        this.options = options;
        this.bosWs = options.stripLeadingSpace();
    }

    /** Feeds one token; returns the text completed by it. */
    public String next(int id) {
        out.setLength(0);
        renderer.render(id, this);
        return take();
    }

    /** Ends the stream; returns the text still held back (malformed trailing bytes become U+FFFD). */
    public String finish() {
        out.setLength(0);
        bytes.endRun(out);
        return take();
    }

    private String take() {
        if (out.isEmpty()) {
            return "";
        }
        emitted = true;
        return out.toString();
    }

    void appendByte(int b) {
        bytes.add(b, out);
    }

    void endByteRun() {
        bytes.endRun(out);
    }

    void appendText(CharSequence s) {
        bytes.endRun(out);
        out.append(s);
    }

    /** Whether any text has been produced so far (held-back bytes do not count). */
    boolean hasEmitted() {
        return emitted || !out.isEmpty();
    }
}
