package dev.codi4j.bench;

import dev.codi4j.loaders.config.LlamaConfig;
import dev.codi4j.loaders.gguf.LlamaGgufConverter;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Storage;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Random Llama weights of real shapes, generated directly in the target dtype on all cores (no
 * download, no F32 intermediate): matrices uniform with std ≈ 0.02 (F16/BF16/F32) or random GGML
 * blocks (Q8_0/Q4_0), norms 1. For a benchmark only: the model computes noise, at full cost.
 */
final class RandomLlamaWeights {
    private RandomLlamaWeights() {}

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Shapes of every tensor in Hugging Face order and names (lm_head included unless tied). */
    static Map<String, int[]> shapes(LlamaConfig c) {
        Map<String, int[]> m = new LinkedHashMap<>();
        int d = c.hiddenSize(), q = c.numAttentionHeads() * c.headDim(), kv = c.numKeyValueHeads() * c.headDim(), ff = c.intermediateSize();
        m.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new int[] {d});
            m.put(p + "self_attn.q_proj.weight", new int[] {q, d});
            m.put(p + "self_attn.k_proj.weight", new int[] {kv, d});
            m.put(p + "self_attn.v_proj.weight", new int[] {kv, d});
            m.put(p + "self_attn.o_proj.weight", new int[] {d, q});
            m.put(p + "post_attention_layernorm.weight", new int[] {d});
            m.put(p + "mlp.gate_proj.weight", new int[] {ff, d});
            m.put(p + "mlp.up_proj.weight", new int[] {ff, d});
            m.put(p + "mlp.down_proj.weight", new int[] {d, ff});
        }
        m.put("model.norm.weight", new int[] {d});
        if (!c.tieWordEmbeddings()) m.put("lm_head.weight", new int[] {c.vocabSize(), d});
        return m;
    }

    /** Every tensor allocated and filled in memory (matrices in {@code dt}, norms F32 ones), by HF name. */
    static Map<String, Tensor> inMemory(LlamaConfig c, DType dt, long seed) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        long s = seed;
        for (var e : shapes(c).entrySet()) {
            int[] shape = e.getValue();
            if (shape.length == 1) {
                out.put(e.getKey(), ones(shape[0]));
            } else {
                Tensor t = Tensor.allocate(dt, shape);
                fill(t.data(), dt, s++);
                out.put(e.getKey(), t);
            }
        }
        return out;
    }

    private static Tensor ones(int n) {
        Tensor t = Tensor.allocate(DType.F32, n);
        for (int i = 0; i < n; i++) t.segment().setAtIndex(F32, i, 1f);
        return t;
    }

    /**
     * Writes a llama.cpp-compatible GGUF (through the loaders' converter) with random matrices and a
     * placeholder SentencePiece vocabulary. Matrices are views at different offsets of one random
     * pool of twice the largest matrix, so a 13 GB file needs well under 1 GB of memory.
     */
    static void writeGguf(LlamaConfig c, DType dt, Path out, long seed) throws IOException {
        Map<String, int[]> shapes = shapes(c);
        long largest = 0;
        for (int[] s : shapes.values()) if (s.length == 2) largest = Math.max(largest, dt.byteSize((long) s[0] * s[1]));
        long unit = (long) dt.blockBytes() * 64; // offsets stay on whole blocks (and 64-byte lines)
        long poolBytes = (2 * largest + unit - 1) / unit * unit;
        Tensor pool = Tensor.allocate(DType.U8, Math.toIntExact(poolBytes));
        try {
            fill(pool.data(), dt, seed);
            Map<String, Tensor> views = new LinkedHashMap<>();
            long step = Math.max(unit, (largest / 7) / unit * unit);
            long at = 0;
            for (var e : shapes.entrySet()) {
                int[] shape = e.getValue();
                if (shape.length == 1) { views.put(e.getKey(), ones(shape[0])); continue; }
                long bytes = dt.byteSize((long) shape[0] * shape[1]);
                if (at + bytes > poolBytes) at = 0;
                views.put(e.getKey(), Tensor.of(Storage.borrowed(pool.segment().asSlice(at, bytes)), dt, 0, shape));
                at = (at + step) % (poolBytes - unit) / unit * unit;
            }
            try (Weights w = Weights.of(views)) {
                LlamaGgufConverter.convert(w, c, vocabulary(c), dt, "random Llama (codi4j bench)", out);
            }
        } finally {
            pool.close();
        }
    }

    /** A placeholder SentencePiece vocabulary (llama.cpp needs one): unk, bos, eos, 256 byte pieces, then "▁t<i>". */
    static LlamaGgufConverter.Vocab vocabulary(LlamaConfig c) {
        int v = c.vocabSize();
        List<String> tokens = new ArrayList<>(v);
        float[] scores = new float[v];
        int[] types = new int[v];
        tokens.add("<unk>"); types[0] = LlamaGgufConverter.TOKEN_UNKNOWN;
        tokens.add("<s>"); types[1] = LlamaGgufConverter.TOKEN_CONTROL;
        tokens.add("</s>"); types[2] = LlamaGgufConverter.TOKEN_CONTROL;
        for (int b = 0; b < 256 && tokens.size() < v; b++) { types[tokens.size()] = LlamaGgufConverter.TOKEN_BYTE; tokens.add(String.format("<0x%02X>", b)); }
        while (tokens.size() < v) { int i = tokens.size(); types[i] = LlamaGgufConverter.TOKEN_NORMAL; scores[i] = -i; tokens.add("\u2581t" + i); }
        return new LlamaGgufConverter.Vocab(tokens, scores, types, 1, 2, 0, null, true, false);
    }

    /** Fills whole blocks of {@code dt} in {@code seg} with random values, in parallel chunks of 1 MiB. */
    static void fill(MemorySegment seg, DType dt, long seed) {
        long chunk = (1L << 20) / dt.blockBytes() * dt.blockBytes();
        int chunks = Math.toIntExact((seg.byteSize() + chunk - 1) / chunk);
        IntStream.range(0, chunks).parallel().forEach(ci -> {
            long from = ci * chunk, to = Math.min(seg.byteSize(), from + chunk);
            long[] state = {seed * 0x9E3779B97F4A7C15L + ci * 0xD1B54A32D192ED03L};
            switch (dt) {
                case F16, BF16 -> {
                    for (long o = from; o + 2 <= to; o += 2) {
                        float u = uniform(next(state));
                        seg.set(I16, o, dt == DType.F16 ? Float.floatToFloat16(u) : (short) (Float.floatToRawIntBits(u) >>> 16));
                    }
                }
                case F32 -> { for (long o = from; o + 4 <= to; o += 4) seg.set(F32, o, uniform(next(state))); }
                case Q8_0, Q4_0 -> {
                    int bb = dt.blockBytes();
                    for (long o = from; o + bb <= to; o += bb) {
                        // scale so that dequantised values have std ≈ 0.02
                        float d = (dt == DType.Q8_0 ? 0.035f / 74 : 0.035f / 4.6f) * (0.75f + 0.5f * (next(state) >>> 40) * 0x1.0p-24f);
                        seg.set(I16, o, Float.floatToFloat16(d));
                        for (long q = o + 2; q + 8 <= o + bb; q += 8) seg.set(I64, q, next(state));
                    }
                }
                default -> { for (long o = from; o + 8 <= to; o += 8) seg.set(I64, o, next(state)); }
            }
        });
    }

    /** Uniform in [-0.0345, 0.0345): std 0.02, like a Llama initialisation. */
    private static float uniform(long r) { return ((r >>> 40) * 0x1.0p-24f - 0.5f) * 0.069f; }

    /** SplitMix64 step. */
    private static long next(long[] state) {
        long z = (state[0] += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
