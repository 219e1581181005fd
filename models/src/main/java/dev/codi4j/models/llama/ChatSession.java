package dev.codi4j.models.llama;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A multi-turn Llama-2-chat conversation that keeps its KV cache across turns: each {@link #reply}
 * feeds only the new tokens (what is left of the previous answer, EOS, then {@code <s>[INST] user
 * [/INST]}) and generates the answer.
 *
 * <p>The history holds the answer as the model generated it (its ids, as llama.cpp's chat does), not a
 * re-tokenisation of its text followed by a space as Meta's reference rebuilds it; both are the
 * template's text, and reusing the ids is what makes the cache reusable.
 */
public final class ChatSession {
    private final Llama model;
    private final LlamaState state;
    private final ChatTemplate.Encoder encoder;
    private final Supplier<Generator.TextStream> text;
    private final int bos, eos;
    private String system;
    private int[] tokens = new int[0];

    /**
     * @param state the conversation's cache (owned by the caller)
     * @param text a new streaming decoder per answer
     */
    public ChatSession(Llama model, LlamaState state, ChatTemplate.Encoder encoder, Supplier<Generator.TextStream> text, int bos, int eos, String system) {
        this.model = model;
        this.state = state;
        this.encoder = encoder;
        this.text = text;
        this.bos = bos;
        this.eos = eos;
        this.system = system == null || system.isBlank() ? null : system;
        state.reset();
    }

    /** Forgets the conversation (keeps the system prompt). */
    public void reset() {
        tokens = new int[0];
        state.reset();
    }

    /** Sets the system prompt and starts a new conversation (the system prompt is part of the first turn). */
    public void setSystem(String s) {
        system = s == null || s.isBlank() ? null : s;
        reset();
    }

    public String system() { return system; }

    /** Every token of the conversation so far (the last answer's final token may not be in the cache yet). */
    public int[] tokens() { return tokens.clone(); }

    public LlamaState state() { return state; }

    /** The tokens {@link #reply} would feed for {@code user}: the unfed rest of the history, EOS, BOS and the user turn. */
    public int[] nextTurnTokens(String user) {
        int[] turn = encoder.encode(ChatTemplate.userTurn(tokens.length == 0 ? system : null, user));
        int[] pending = Arrays.copyOfRange(tokens, state.position(), tokens.length);
        boolean close = tokens.length > 0 && tokens[tokens.length - 1] != eos;
        int[] seg = new int[pending.length + (close ? 1 : 0) + 1 + turn.length];
        System.arraycopy(pending, 0, seg, 0, pending.length);
        int at = pending.length;
        if (close) seg[at++] = eos;
        seg[at++] = bos;
        System.arraycopy(turn, 0, seg, at, turn.length);
        return seg;
    }

    /**
     * Answers {@code user}, streaming tokens to {@code listener}.
     *
     * @throws ContextLengthException if the new turn does not fit in the cache (nothing changes;
     *     {@link #reset} to start over)
     */
    public Generator.Result reply(String user, GenerationConfig cfg, Generator.Listener listener) {
        int[] seg = nextTurnTokens(user);
        if (seg.length + 1 > state.remaining())
            throw new ContextLengthException(state.position(), seg.length + 1, state.capacity(), model.config().maxPositionEmbeddings());
        int fedBefore = state.position();
        int[] history = Arrays.copyOf(tokens, fedBefore);
        // never generate past the cache: at most remaining − prompt tokens
        GenerationConfig c = cfg.withMaxNewTokens(Math.min(cfg.maxNewTokens(), state.remaining() - seg.length));
        java.util.Set<Integer> stops = new java.util.HashSet<>(c.eosIds());
        stops.add(eos);
        Generator.Result r = new Generator(model).generate(state, history, seg, c.withEos(stops), text.get(), listener);
        int[] all = Arrays.copyOf(tokens, fedBefore + seg.length + r.tokens().length);
        System.arraycopy(seg, 0, all, fedBefore, seg.length);
        System.arraycopy(r.tokens(), 0, all, fedBefore + seg.length, r.tokens().length);
        tokens = all;
        return r;
    }
}
