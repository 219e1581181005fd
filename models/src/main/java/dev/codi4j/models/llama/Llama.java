package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Numerics;
import dev.codi4j.tensor.ShapeException;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A Llama-2 decoder (RMSNorm, rotary embeddings, grouped-query attention over a KV cache, SwiGLU) as
 * Hugging Face's {@code LlamaForCausalLM} computes it, on any {@link Backend}.
 *
 * <p>Inputs are token ids or embeddings (so a multimodal model can splice projected media features
 * between token embeddings). A call appends its tokens to a {@link LlamaState}'s KV cache: a prompt
 * goes through every linear layer as one matrix product per step of up to {@link
 * LlamaState#maxBatch()} rows (prefill), a generated token as a matrix-vector product ({@link
 * #decode}). Outputs (logits and/or the last hidden states after the final norm) are computed only
 * for the positions asked for.
 *
 * <p>The model owns its weights and the checkpoint they map; close it when done. Calls on one model
 * may come from one thread at a time (the backend's rule), each with its own state.
 */
public final class Llama implements AutoCloseable {
    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final Backend backend;
    private final AutoCloseable resources;
    private final float eps, scale;
    private final int loraRank, loraMaxOut;

    /**
     * @param resources what to close with the model (the mapped checkpoint), or null
     */
    public Llama(LlamaConfig config, LlamaWeights weights, Backend backend, AutoCloseable resources) {
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.resources = resources;
        this.eps = (float) config.rmsNormEps();
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        int r = 0, out = 0;
        for (LlamaWeights.Layer l : weights.layers()) for (String m : LlamaWeights.MODULES) {
            LlamaWeights.Proj p = l.proj(m);
            if (p.hasLora()) { r = Math.max(r, p.loraA().dim(0)); out = Math.max(out, p.out()); }
        }
        this.loraRank = r;
        this.loraMaxOut = out;
    }

    public LlamaConfig config() { return config; }
    public LlamaWeights weights() { return weights; }
    public Backend backend() { return backend; }

    /** A new sequence state with an F32 KV cache for {@code contextLength} tokens and prefill steps of up to 512 rows. */
    public LlamaState newState(int contextLength) { return newState(contextLength, 512, DType.F32); }

    /** A new sequence state with an F32 cache; {@code maxBatch} bounds the rows of one prefill step (memory for activations). */
    public LlamaState newState(int contextLength, int maxBatch) { return newState(contextLength, maxBatch, DType.F32); }

    /** A new sequence state with a KV cache of {@code cacheDType} (F32, or F16 for half the memory and cache traffic). */
    public LlamaState newState(int contextLength, int maxBatch, DType cacheDType) {
        return new LlamaState(backend, config, contextLength, maxBatch, cacheDType, loraRank, loraMaxOut);
    }

    // ---- public forward passes ------------------------------------------------------------------

    /** Which positions of a call's tokens to return, and what. */
    public record Select(int[] rows, boolean logits, boolean hidden) {
        /**
         * @param rows indices into this call's tokens (negative counts from the end); null means all
         */
        public Select { rows = rows == null ? null : rows.clone(); }
        @Override public int[] rows() { return rows == null ? null : rows.clone(); }
        public static Select lastLogits() { return new Select(new int[] {-1}, true, false); }
        public static Select allLogits() { return new Select(null, true, false); }
        public static Select logits(int... rows) { return new Select(rows, true, false); }
        public static Select hidden(int... rows) { return new Select(rows, false, true); }
        public static Select both(int... rows) { return new Select(rows, true, true); }
        /** Only fill the cache. */
        public static Select none() { return new Select(new int[0], false, false); }
    }

    /**
     * Results for the selected positions, as new host tensors owned by the caller.
     *
     * @param logits (n, vocab) or null
     * @param hidden (n, dim), the hidden states after the final norm (HF's {@code hidden_states[-1]}), or null
     */
    public record Outputs(Tensor logits, Tensor hidden) {}

    /** Runs token ids through the model, appending them to {@code state}'s cache. */
    public Outputs forward(LlamaState state, int[] ids, Select select) {
        checkIds(ids);
        return run(state, ids.length, select, (start, n, x) -> embedRows(state, ids, start, n, x));
    }

    /**
     * Runs embeddings {@code inputsEmbeds} (S, dim) through the model (HF's {@code inputs_embeds}),
     * appending them to {@code state}'s cache. Any floating dtype; typically {@link #embed} of the
     * prompt's tokens with rows replaced by projected media features.
     */
    public Outputs forward(LlamaState state, Tensor inputsEmbeds, Select select) {
        if (inputsEmbeds.rank() != 2 || inputsEmbeds.dim(1) != config.hiddenSize())
            throw new ShapeException("inputsEmbeds must be (sequence, " + config.hiddenSize() + "), got " + inputsEmbeds.describe());
        return run(state, inputsEmbeds.dim(0), select, (start, n, x) -> backend.copy(inputsEmbeds.narrow(0, start, n), x));
    }

    /** The token embeddings of {@code ids} (S, dim) F32, a new tensor (for splicing in other features). */
    public Tensor embed(int[] ids) {
        checkIds(ids);
        Tensor out = backend.empty(DType.F32, ids.length, config.hiddenSize());
        backend.embedding(weights.embedTokens(), backend.toDevice(Tensor.fromInts(ids, ids.length)), out);
        return out;
    }

    /**
     * Prefills {@code ids} and returns the logits of the last one, in an array owned by the state
     * (overwritten by the next call).
     */
    public float[] prefill(LlamaState state, int[] ids) {
        checkIds(ids);
        if (ids.length == 0) throw new IllegalArgumentException("prefill needs at least one token");
        state.checkFits(ids.length);
        int done = 0;
        while (done < ids.length) {
            int n = Math.min(state.maxBatch(), ids.length - done);
            Tensor x = LlamaState.rows(state.x, n, config.hiddenSize());
            embedRows(state, ids, done, n, x);
            layers(state, n);
            done += n;
            if (done == ids.length) backend.copy(x.narrow(0, n - 1, 1), state.lastHidden);
            state.advance(n);
        }
        return logitsOfLastHidden(state);
    }

    /** Feeds one token and returns the logits for the next, in an array owned by the state. Allocates no tensor memory. */
    public float[] decode(LlamaState state, int token) {
        if (token < 0 || token >= config.vocabSize()) throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + config.vocabSize());
        state.checkFits(1);
        state.idsHost.segment().set(Numerics.I32, state.idsHost.byteOffset(), token);
        Tensor ids = backend.toDevice(state.idsHost.narrow(0, 0, 1));
        Tensor x = LlamaState.rows(state.x, 1, config.hiddenSize());
        backend.embedding(weights.embedTokens(), ids, x);
        layers(state, 1);
        state.advance(1);
        backend.copy(x, state.lastHidden);
        return logitsOfLastHidden(state);
    }

    private float[] logitsOfLastHidden(LlamaState state) {
        Tensor normed = LlamaState.rows(state.xb, 1, config.hiddenSize());
        backend.rmsNorm(state.lastHidden, weights.norm(), eps, normed);             // (1, dim)
        backend.linear(normed, weights.lmHead(), null, state.logits);              // (1, vocab)
        Tensor host = backend.toHost(state.logits);
        MemorySegment.copy(host.segment(), Numerics.F32, host.byteOffset(), state.logitsArray, 0, state.logitsArray.length);
        return state.logitsArray;
    }

    // ---- the network ------------------------------------------------------------------------------

    /** Writes the input rows [start, start + n) of a call into x (n, dim). */
    private interface Input { void fill(int start, int n, Tensor x); }

    private Outputs run(LlamaState state, int total, Select select, Input input) {
        int[] rows = normaliseRows(select.rows(), total);
        state.checkFits(total);
        int d = config.hiddenSize();
        Tensor gathered = rows.length > 0 && (select.logits() || select.hidden()) ? backend.empty(DType.F32, rows.length, d) : null;
        int done = 0;
        while (done < total) {
            int n = Math.min(state.maxBatch(), total - done);
            Tensor x = LlamaState.rows(state.x, n, d);                     // (n, dim)
            input.fill(done, n, x);
            layers(state, n);
            if (gathered != null) for (int i = 0; i < rows.length; i++) {
                int r = rows[i] - done;
                if (r >= 0 && r < n) backend.copy(x.narrow(0, r, 1), gathered.narrow(0, i, 1));
            }
            done += n;
            state.advance(n);
        }
        if (gathered == null) return new Outputs(null, null);
        Tensor hidden = backend.empty(DType.F32, rows.length, d);
        backend.rmsNorm(gathered, weights.norm(), eps, hidden);            // (rows, dim)
        gathered.close();
        Tensor logits = null;
        if (select.logits()) {
            logits = backend.empty(DType.F32, rows.length, config.vocabSize());
            backend.linear(hidden, weights.lmHead(), null, logits);       // (rows, vocab)
        }
        return new Outputs(logits == null ? null : backend.toHost(logits), select.hidden() ? backend.toHost(hidden) : null);
    }

    /**
     * The decoder layers over x = state.x rows [0, n), the tokens at positions
     * [state.position, state.position + n); leaves the residual stream in x.
     */
    private void layers(LlamaState st, int n) {
        int d = config.hiddenSize(), h = config.numAttentionHeads(), hk = config.numKeyValueHeads(), hd = config.headDim(), ff = config.intermediateSize();
        int pos = st.position();
        boolean interleaved = weights.interleavedRope();
        MemorySegment ps = st.positionsHost.segment();
        for (int i = 0; i < n; i++) ps.setAtIndex(Numerics.I32, st.positionsHost.byteOffset() / 4 + i, pos + i);
        Tensor positions = backend.toDevice(st.positionsHost.narrow(0, 0, n)); // (n) I32

        Tensor x = LlamaState.rows(st.x, n, d);                   // (n, dim) residual stream
        Tensor xb = LlamaState.rows(st.xb, n, d);                 // (n, dim)
        Tensor o = LlamaState.rows(st.o, n, d);                   // (n, dim)
        Tensor q = LlamaState.rows(st.q, n, h * hd);              // (n, H·D)
        Tensor k = LlamaState.rows(st.k, n, hk * hd);             // (n, Hk·D)
        Tensor v = LlamaState.rows(st.v, n, hk * hd);             // (n, Hk·D)
        Tensor qRot = LlamaState.rows(st.qRot, n, h, hd);         // (n, H, D)
        Tensor kRot = LlamaState.rows(st.kRot, n, hk, hd);        // (n, Hk, D)
        Tensor att = LlamaState.rows(st.att, 1, h, n, hd);        // (1, H, n, D)
        Tensor merged = n == 1 ? att.view(1, h * hd)              // (n, H·D): for one row the layouts coincide
                : LlamaState.rows(st.attT, n, h * hd);
        Tensor gate = LlamaState.rows(st.gate, n, ff);            // (n, ff)
        Tensor up = LlamaState.rows(st.up, n, ff);                // (n, ff)
        Tensor qHeads = qRot.view(1, n, h, hd).permute(0, 2, 1, 3); // (1, H, n, D) view
        Tensor kNew = kRot.view(1, n, hk, hd).permute(0, 2, 1, 3);  // (1, Hk, n, D) view
        Tensor vNew = v.view(1, n, hk, hd).permute(0, 2, 1, 3);     // (1, Hk, n, D) view

        for (int l = 0; l < weights.layers().size(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            // attention block
            backend.rmsNorm(x, w.inputNorm(), eps, xb);
            linear(st, xb, w.q(), q);
            linear(st, xb, w.k(), k);
            linear(st, xb, w.v(), v);
            backend.rope(q.view(n, h, hd), positions, hd, config.ropeTheta(), interleaved, qRot);
            backend.rope(k.view(n, hk, hd), positions, hd, config.ropeTheta(), interleaved, kRot);
            backend.copy(kNew, st.keys[l].narrow(2, pos, n));      // cache (1, Hk, capacity, D)
            backend.copy(vNew, st.values[l].narrow(2, pos, n));
            Tensor keys = st.keys[l].narrow(2, 0, pos + n);        // (1, Hk, pos + n, D)
            Tensor values = st.values[l].narrow(2, 0, pos + n);
            // causal with offset: query i (at position pos + i) sees keys 0 .. pos + i
            backend.attention(qHeads, keys, values, null, true, scale, att);
            if (n > 1) backend.copy(att.permute(0, 2, 1, 3), merged.view(1, n, h, hd));
            linear(st, merged, w.o(), o);
            backend.binary(BinaryOp.ADD, x, o, x);
            // feed-forward block (SwiGLU)
            backend.rmsNorm(x, w.postAttentionNorm(), eps, xb);
            linear(st, xb, w.gate(), gate);
            linear(st, xb, w.up(), up);
            backend.gated(UnaryOp.SILU, gate, up, gate);
            linear(st, gate, w.down(), o);
            backend.binary(BinaryOp.ADD, x, o, x);
        }
    }

    /** out = x·Wᵀ + b, plus the LoRA path (x·Aᵀ)·(s·B)ᵀ when the adapter is applied on the fly. */
    private void linear(LlamaState st, Tensor x, LlamaWeights.Proj p, Tensor out) {
        backend.linear(x, p.weight(), p.bias(), out);
        if (p.hasLora()) {
            int n = x.dim(0), r = p.loraA().dim(0);
            Tensor mid = LlamaState.rows(st.loraMid, n, r);                // (n, r)
            Tensor extra = LlamaState.rows(st.loraOut, n, p.out());        // (n, out)
            backend.linear(x, p.loraA(), null, mid);
            backend.linear(mid, p.loraB(), null, extra);
            backend.binary(BinaryOp.ADD, out, extra, out);
        }
    }

    private void embedRows(LlamaState st, int[] ids, int start, int n, Tensor x) {
        MemorySegment s = st.idsHost.segment();
        long base = st.idsHost.byteOffset() / 4;
        for (int i = 0; i < n; i++) s.setAtIndex(Numerics.I32, base + i, ids[start + i]);
        backend.embedding(weights.embedTokens(), backend.toDevice(st.idsHost.narrow(0, 0, n)), x);
    }

    private void checkIds(int[] ids) {
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= config.vocabSize())
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " is outside the vocabulary of " + config.vocabSize());
    }

    private static int[] normaliseRows(int[] rows, int total) {
        if (rows == null) {
            int[] all = new int[total];
            for (int i = 0; i < total; i++) all[i] = i;
            return all;
        }
        int[] out = rows.clone();
        for (int i = 0; i < out.length; i++) {
            int r = out[i] < 0 ? out[i] + total : out[i];
            if (r < 0 || r >= total) throw new IllegalArgumentException("output row " + rows[i] + " is outside the " + total + " positions given " + Arrays.toString(rows));
            out[i] = r;
        }
        return out;
    }

    @Override public void close() {
        if (resources != null) {
            try { resources.close(); } catch (Exception e) { throw new IllegalStateException("closing the checkpoint of the Llama model failed: " + e.getMessage(), e); }
        }
    }
}
