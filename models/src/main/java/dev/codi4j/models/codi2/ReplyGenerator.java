package dev.codi4j.models.codi2;

import dev.codi4j.loaders.tokenizer.DecodeOptions;
import dev.codi4j.loaders.tokenizer.StreamingDecoder;
import dev.codi4j.loaders.tokenizer.Tokenizer;
import dev.codi4j.models.llama.Llama;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Sampling;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * CoDi-2's {@code generate}: Hugging Face sampling from {@code inputs_embeds}, stopping at EOS or a
 * stop token (2277 upstream), and the hidden states behind the output markers.
 *
 * <p>The official code asks {@code generate} for every step's hidden states and afterwards looks
 * for the marker ids [529, 29886, 29958] in {@code output_ids = sequences[0][1:]}, taking {@code
 * hidden_states[j + 1]} for a match ending at index j. With transformers 4.34, {@code sequences}
 * from {@code inputs_embeds} starts with the BOS id {@code generate} initialises it with, so
 * {@code output_ids[j]} is the j-th generated token and step j + 1's hidden state is the one
 * computed when that token (the marker's last) was fed back: the last-layer state, after the final
 * RMSNorm, at the marker's final token. That is what is captured here, at the moment the token is
 * fed; a marker whose last token is never fed (the reply ends right there) gives no feature, as
 * upstream ({@code if j + 1 < len(sequence2)}).
 */
final class ReplyGenerator {
    private final Llama llm;
    private final Tokenizer tokenizer;
    private final Map<String, int[]> markers;
    private final Set<Integer> eos;
    private final Set<Integer> stops;

    ReplyGenerator(Llama llm, Tokenizer tokenizer, Map<String, int[]> markers, Set<Integer> eos, Set<Integer> stops) {
        this.llm = llm;
        this.tokenizer = tokenizer;
        this.markers = Map.copyOf(markers);
        this.eos = Set.copyOf(eos);
        this.stops = Set.copyOf(stops);
    }

    /** A captured hidden state: (1, hidden) host F32, after the final norm. */
    record Capture(String modality, int tokenIndex, Tensor hidden) {}

    record Result(int[] tokens, String text, Reply.StopReason reason, List<Capture> captures) {}

    /** Streams text deltas and token progress. */
    interface Sink {
        void text(String delta);
        void progress(int done, int total);
    }

    /**
     * Prefills {@code embeds} (rows, hidden) into {@code state} and samples a reply.
     *
     * @param cancelled polled before every step
     */
    Result generate(LlamaState state, Tensor embeds, GenerationSettings s, Sink sink, BooleanSupplier cancelled) {
        if (cancelled.getAsBoolean()) throw new CancellationException("cancelled before the prompt was read");
        Llama.Outputs pre = llm.forward(state, embeds, Llama.Select.lastLogits());
        float[] logits = pre.logits().toFloatArray();
        pre.logits().close();
        int vocab = llm.config().vocabSize();
        Sampling.Rng rng = new Sampling.Rng(s.seed());
        StreamingDecoder text = tokenizer.newStreamingDecoder(DecodeOptions.DEFAULT);
        StringBuilder all = new StringBuilder();
        int[] out = new int[s.maxNewTokens()];
        int n = 0;
        List<Capture> captures = new ArrayList<>();
        Reply.StopReason reason = Reply.StopReason.MAX_TOKENS;
        float[] work = new float[vocab];
        while (true) {
            if (cancelled.getAsBoolean()) throw new CancellationException("cancelled after " + n + " reply tokens");
            System.arraycopy(logits, 0, work, 0, vocab);
            int tok = pick(work, s, rng);
            if (eos.contains(tok)) { reason = Reply.StopReason.EOS; break; }
            if (stops.contains(tok)) { reason = Reply.StopReason.STOP_TOKEN; break; }
            out[n++] = tok;
            String delta = text.next(tok);
            all.append(delta);
            sink.text(delta);
            sink.progress(n, s.maxNewTokens());
            if (n == s.maxNewTokens()) break;
            if (state.remaining() == 0) { reason = Reply.StopReason.CONTEXT_FULL; break; }
            List<String> ended = markersEndingAt(out, n);
            if (ended.isEmpty()) {
                logits = llm.decode(state, tok);
            } else {
                Llama.Outputs o = llm.forward(state, new int[] {tok}, Llama.Select.both(0));
                logits = o.logits().toFloatArray();
                o.logits().close();
                for (String m : ended) captures.add(new Capture(m, n - 1, o.hidden()));
            }
        }
        String tail = text.finish();
        all.append(tail);
        if (!tail.isEmpty()) sink.text(tail);
        return new Result(Arrays.copyOf(out, n), all.toString(), reason, captures);
    }

    /** Modalities whose marker ids end at the last of the first {@code n} tokens of {@code out}. */
    private List<String> markersEndingAt(int[] out, int n) {
        List<String> hit = new ArrayList<>(1);
        for (var e : markers.entrySet()) {
            int[] m = e.getValue();
            if (m.length > n) continue;
            boolean match = true;
            for (int i = 0; i < m.length && match; i++) match = out[n - m.length + i] == m[i];
            if (match) hit.add(e.getKey());
        }
        hit.sort(null);
        return hit;
    }

    /**
     * HF {@code generate(do_sample=True)}'s processors in their order (temperature, top-k, top-p) and
     * a draw; greedy when the temperature is ≤ 0.
     */
    static int pick(float[] logits, GenerationSettings s, Sampling.Rng rng) {
        if (s.temperature() <= 0) return Sampling.argmax(logits);
        float inv = 1f / s.temperature();
        for (int i = 0; i < logits.length; i++) logits[i] *= inv;
        Sampling.topK(logits, s.topK());
        Sampling.topP(logits, s.topP());
        return Sampling.sample(logits, 1f, rng);
    }
}
