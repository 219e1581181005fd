package dev.codi4j.models.llama;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a forward pass writes: the KV cache (one (1, n_kv_heads, capacity, head_dim) tensor per
 * layer for keys and one for values, F32 or F16) and the activation buffers for up to {@link
 * #maxBatch()} rows, all allocated once here so that decoding allocates no tensor memory per token.
 *
 * <p>An F16 cache (llama.cpp's default) halves the cache's memory and the bytes attention reads per
 * token at long contexts, at the cost of rounding keys and values to F16 (about 1e-3 relative).
 *
 * <p>One state is one sequence (one conversation). It is not thread-safe. Create it outside any
 * {@link dev.codi4j.tensor.Scope} (its buffers must outlive scopes); close it to free the cache.
 */
public final class LlamaState implements AutoCloseable {
    private final int capacity, maxBatch, modelMaxContext;
    private final DType cacheDType;
    private final Backend backend;
    private int position;

    final Tensor[] keys, values;          // per layer (1, Hk, capacity, D)
    final Tensor x, xb, o;                // (maxBatch·dim) flat: residual stream, normed input, projection out
    final Tensor q, qRot, att, attT;      // (maxBatch·H·D) flat
    final Tensor k, kRot, v;              // (maxBatch·Hk·D) flat
    final Tensor gate, up;                // (maxBatch·ff) flat
    final Tensor loraMid, loraOut;        // (maxBatch·r), (maxBatch·max(out)) flat, only with on-the-fly LoRA
    final Tensor idsHost, positionsHost;  // (maxBatch) I32
    final Tensor lastHidden, logits;      // (1, dim), (1, vocab)
    final float[] logitsArray;
    private final List<Tensor> owned = new ArrayList<>();

    LlamaState(Backend b, LlamaConfig c, int capacity, int maxBatch, DType cacheDType, int loraRank, int loraMaxOut) {
        if (cacheDType != DType.F32 && cacheDType != DType.F16)
            throw new IllegalArgumentException("the KV cache holds F32 or F16, not " + cacheDType);
        this.cacheDType = cacheDType;
        this.backend = b;
        if (capacity <= 0) throw new IllegalArgumentException("context length must be positive, is " + capacity);
        if (capacity > c.maxPositionEmbeddings())
            throw new IllegalArgumentException("context length " + capacity + " exceeds the model's max_position_embeddings " + c.maxPositionEmbeddings()
                    + "; use at most " + c.maxPositionEmbeddings());
        if (maxBatch <= 0) throw new IllegalArgumentException("prefill batch must be positive, is " + maxBatch);
        this.capacity = capacity;
        this.maxBatch = Math.min(maxBatch, capacity);
        this.modelMaxContext = c.maxPositionEmbeddings();
        int mb = this.maxBatch, d = c.hiddenSize(), h = c.numAttentionHeads(), hk = c.numKeyValueHeads(), hd = c.headDim();
        int layers = c.numHiddenLayers();
        keys = new Tensor[layers];
        values = new Tensor[layers];
        try {
            for (int l = 0; l < layers; l++) {
                keys[l] = own(b.zeros(cacheDType, 1, hk, capacity, hd));
                values[l] = own(b.zeros(cacheDType, 1, hk, capacity, hd));
            }
            x = flat(b, mb * d); xb = flat(b, mb * d); o = flat(b, mb * d);
            q = flat(b, mb * h * hd); qRot = flat(b, mb * h * hd); att = flat(b, mb * h * hd); attT = flat(b, mb * h * hd);
            k = flat(b, mb * hk * hd); kRot = flat(b, mb * hk * hd); v = flat(b, mb * hk * hd);
            gate = flat(b, mb * c.intermediateSize()); up = flat(b, mb * c.intermediateSize());
            loraMid = loraRank > 0 ? flat(b, mb * loraRank) : null;
            loraOut = loraRank > 0 ? flat(b, mb * loraMaxOut) : null;
            idsHost = own(Tensor.zeros(DType.I32, mb));
            positionsHost = own(Tensor.zeros(DType.I32, mb));
            lastHidden = own(b.empty(DType.F32, 1, d));
            logits = own(b.empty(DType.F32, 1, c.vocabSize()));
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            if (e instanceof OutOfMemoryError) {
                long kv = 2L * layers * hk * capacity * hd * cacheDType.blockBytes();
                throw new IllegalArgumentException("cannot allocate the KV cache and buffers for a context of " + capacity + " tokens ("
                        + (kv >> 20) + " MiB of cache); use a smaller context length", e);
            }
            throw e;
        }
        logitsArray = new float[c.vocabSize()];
    }

    private Tensor own(Tensor t) { owned.add(t); return t; }

    private Tensor flat(Backend b, int n) { return own(b.empty(DType.F32, n)); }

    /** The first {@code rows} rows of a flat buffer, viewed with {@code shape} (whose first dimension is rows). */
    static Tensor rows(Tensor flat, int... shape) {
        return flat.narrow(0, 0, (int) Tensor.numel(shape)).view(shape);
    }

    /** Tokens in the KV cache: the position the next token gets. */
    public int position() { return position; }

    /** Size of the KV cache in tokens (the context limit of this state). */
    public int capacity() { return capacity; }

    /** Tokens that still fit. */
    public int remaining() { return capacity - position; }

    /** Rows one batched forward step processes; longer inputs are split into steps of this size. */
    public int maxBatch() { return maxBatch; }

    /** The dtype of the KV cache (F32 or F16). */
    public DType cacheDType() { return cacheDType; }

    /** Bytes of the KV cache. */
    public long cacheBytes() {
        long n = 0;
        for (Tensor t : keys) n += t.byteSize();
        for (Tensor t : values) n += t.byteSize();
        return n;
    }

    /** Forgets the tokens from {@code newPosition} on (e.g. to regenerate an answer); the cache keeps earlier ones. */
    public void truncate(int newPosition) {
        if (newPosition < 0 || newPosition > position)
            throw new IllegalArgumentException("cannot truncate to position " + newPosition + ": the state holds " + position + " tokens");
        position = newPosition;
    }

    /** Empties the cache (a new conversation). */
    public void reset() { position = 0; }

    /**
     * Benchmarks only: marks the first {@code n} positions as filled, with random keys and values, so
     * that decoding at a long context can be timed without prefilling it. The cache content is noise.
     */
    public void fillRandomForBenchmark(int n, long seed) {
        if (n < 0 || n > capacity) throw new IllegalArgumentException("cannot fill " + n + " positions of a " + capacity + "-token cache");
        Sampling.Rng rng = new Sampling.Rng(seed);
        for (Tensor[] kv : new Tensor[][] {keys, values}) {
            for (Tensor t : kv) {
                if (t.device().isHost()) {
                    fillRandom(t, rng);
                } else {
                    // a device-resident cache (GPU backends): fill a host tensor, upload it, copy it into the cache
                    try (Tensor h = Tensor.allocate(cacheDType, t.shape())) {
                        fillRandom(h, rng);
                        try (Tensor d = backend.toDevice(h)) { backend.copy(d, t); }
                    }
                }
            }
        }
        backend.synchronize();
        position = n;
    }

    private void fillRandom(Tensor t, Sampling.Rng rng) {
        MemorySegment s = t.segment();
        long count = t.numel();
        for (long i = 0; i < count; i += 64) {
            float r = (float) (rng.nextDouble() - 0.5);
            long end = Math.min(count, i + 64);
            for (long j = i; j < end; j++) {
                float x = r * (1 + (j & 7) * 0.1f);
                if (cacheDType == DType.F16) s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, j, Float.floatToFloat16(x));
                else s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, j, x);
            }
        }
    }

    void advance(int n) { position += n; }

    void checkFits(int n) {
        if (n < 0 || position + n > capacity) throw new ContextLengthException(position, n, capacity, modelMaxContext);
    }

    @Override public void close() {
        for (Tensor t : owned) t.close();
        owned.clear();
    }
}
