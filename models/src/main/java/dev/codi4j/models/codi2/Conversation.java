package dev.codi4j.models.codi2;

import dev.codi4j.loaders.media.Image;
import dev.codi4j.models.codi2.spi.ImageDecoder;
import dev.codi4j.models.codi2.spi.ImageRequest;
import dev.codi4j.models.codi2.spi.MediaEncoder;
import dev.codi4j.models.llama.LlamaState;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * A multi-turn conversation with CoDi-2. It keeps the text, media and generated images of every
 * turn, and the LLM's KV cache: each {@link #send} only runs the new turn through the LLM.
 *
 * <p>Each turn: the prompt is written in CoDi-2's string form and spliced (see {@link Prompt}); the
 * first turn starts with BOS. The LLM samples a reply, streamed to the listener; every output marker
 * in it (by default "&lt;p&gt;") yields an output feature, the output projector's image of the hidden
 * state at the marker's last token, which the image decoder paints. Audio and video outputs are
 * reported as notices ("decoder not available yet"), never at the cost of the text.
 *
 * <p>A turn that fails or is cancelled leaves the conversation exactly as before it: the KV cache is
 * cut back and nothing is recorded.
 *
 * <p>Thread-safety: one thread at a time may call {@link #send} (turns of all conversations of one
 * {@link CoDi2} run one after another, since they share the model's backend). {@link #cancel} may be
 * called from any thread. Close the conversation to free its KV cache.
 */
public final class Conversation implements AutoCloseable {
    private final CoDi2 model;
    private final Components parts;
    private final LlamaState state;
    private final List<Turn> turns = new ArrayList<>();
    private final Map<String, Integer> mediaCount = new HashMap<>();
    private final List<GeneratedImage> generated = new ArrayList<>();
    private GenerationSettings generation;
    private ImageSettings imageSettings;
    private volatile boolean cancelRequested;
    private boolean closed;

    /** One exchange. */
    public record Turn(Prompt prompt, Reply reply) {}

    Conversation(CoDi2 model, Components parts, GenerationSettings generation, ImageSettings imageSettings) {
        this.model = model;
        this.parts = parts;
        this.generation = generation;
        this.imageSettings = imageSettings;
        this.state = parts.llm == null ? null : parts.llm.newState(Math.min(model.config().contextLength(), parts.llm.config().maxPositionEmbeddings()));
    }

    public GenerationSettings generation() { return generation; }
    public ImageSettings imageSettings() { return imageSettings; }

    /** Settings for the following turns. */
    public void setGeneration(GenerationSettings g) { this.generation = java.util.Objects.requireNonNull(g); }

    public void setImageSettings(ImageSettings s) { this.imageSettings = java.util.Objects.requireNonNull(s); }

    /** The turns so far, in order. */
    public List<Turn> turns() { return List.copyOf(turns); }

    /** Every image painted in this conversation, in order. */
    public List<GeneratedImage> generatedImages() { return List.copyOf(generated); }

    /** Sequence positions used in the context window (0 without an LLM). */
    public int contextUsed() { return state == null ? 0 : state.position(); }

    /** Size of the context window in positions (0 without an LLM). */
    public int contextCapacity() { return state == null ? 0 : state.capacity(); }

    /** Sends a turn and waits for the reply. */
    public Reply send(Prompt prompt) { return send(prompt, ReplyListener.NONE); }

    /**
     * Sends a turn, streaming its progress to {@code listener}.
     *
     * @throws PromptTooLongException if the turn does not fit in the remaining context (nothing is run)
     * @throws UnsupportedMediaException if the prompt holds a medium the configured encoder cannot take
     * @throws CancellationException if {@link #cancel} was called; the conversation is unchanged
     */
    public Reply send(Prompt prompt, ReplyListener listener) {
        if (closed) throw new IllegalStateException("this conversation is closed");
        if (prompt.isEmpty()) throw new IllegalArgumentException("the prompt is empty; give some text or media");
        cancelRequested = false;
        model.lock.lock();
        int start = state == null ? 0 : state.position();
        try {
            Reply r = model.mode() == CoDi2.Mode.CODI2 ? codi2Turn(prompt, listener) : directTurn(prompt, listener);
            turns.add(new Turn(prompt, r));
            return r;
        } catch (RuntimeException | Error e) {
            if (state != null) state.truncate(Math.min(start, state.position()));
            throw e;
        } finally {
            model.lock.unlock();
        }
    }

    /** Asks the running turn (if any) to stop at its next token or diffusion step. Any thread. */
    public void cancel() { cancelRequested = true; }

    /** Forgets every turn and empties the KV cache. */
    public void reset() {
        turns.clear();
        mediaCount.clear();
        generated.clear();
        if (state != null) state.reset();
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        if (state != null) state.close();
    }

    // ---- a CoDi-2 turn (trained projectors) ------------------------------------------------------

    /** A turn's spliced input: the plan, the media counters after it, and the embeddings (rows, hidden). */
    record Assembled(PromptAssembler.Plan plan, Map<String, Integer> counts, Tensor embeds) implements AutoCloseable {
        @Override public void close() { embeds.close(); }
    }

    /** Plans, checks, encodes, projects and splices a turn (CoDi-2 mode); runs nothing through the LLM. */
    Assembled assemble(Prompt prompt, ReplyListener l) {
        Backend b = parts.backend;
        checkEncodable(prompt);
        boolean first = state.position() == 0;
        PromptTemplate t = model.config().template();
        Map<String, Integer> counts = new HashMap<>(mediaCount);
        PromptAssembler.Plan plan = new PromptAssembler(parts.tokenizer).plan(first, t.before(first), prompt, t.assistant(), counts,
                m -> m instanceof Media.Image ? parts.encoder.imageTokenCount() : 1);
        checkFits(plan);
        List<Tensor> projected = new ArrayList<>();
        List<PromptAssembler.Feature> features = plan.features();
        try {
            for (int i = 0; i < features.size(); i++) {
                PromptAssembler.Feature f = features.get(i);
                checkCancelled();
                l.onStage(ReplyListener.Stage.ENCODING_MEDIA, f.media().kind() + " " + (i + 1) + " of " + features.size() + ", " + f.media().label());
                try (Tensor raw = rawFeatures(f.media())) {                          // (rows, D)
                    if (raw.dim(0) != f.rows() || raw.dim(1) != parts.inputProjector.in())
                        throw new IllegalStateException(parts.encoder.describe() + " gave " + raw.describe() + " for " + f.media().label() + ", expected ("
                                + f.rows() + ", " + parts.inputProjector.in() + ")");
                    projected.add(parts.inputProjector.forward(b, b.toDevice(raw)));   // (rows, hidden)
                }
                l.onProgress(ReplyListener.Stage.ENCODING_MEDIA, i + 1, features.size());
            }
            return new Assembled(plan, counts, PromptAssembler.embed(plan, parts.llm, parts.tokenizer.bosId(), projected, b));
        } finally {
            for (Tensor x : projected) x.close();
        }
    }

    private Reply codi2Turn(Prompt prompt, ReplyListener l) {
        Backend b = parts.backend;
        try (Assembled a = assemble(prompt, l)) {
            PromptAssembler.Plan plan = a.plan();
            l.onStage(ReplyListener.Stage.READING_PROMPT, plan.rows() + " positions (" + plan.tokenCount() + " tokens, " + plan.features().size() + " media)");
            long t0 = System.nanoTime();
            GenerationSettings g = generation.withSeed(generation.seed() + turns.size());
            ReplyGenerator.Result res = model.generator().generate(state, a.embeds(), g, new ReplyGenerator.Sink() {
                @Override public void text(String delta) { if (!delta.isEmpty()) l.onText(delta); }
                @Override public void progress(int done, int total) {
                    if (done == 1) l.onStage(ReplyListener.Stage.WRITING_REPLY, "");
                    l.onProgress(ReplyListener.Stage.WRITING_REPLY, done, total);
                }
            }, () -> cancelRequested);
            long t1 = System.nanoTime();
            List<OutputFeature> outs = new ArrayList<>();
            for (ReplyGenerator.Capture c : res.captures()) {
                Tensor v = parts.outputProjector.forward(b, b.toDevice(c.hidden()));   // (1, D)
                outs.add(new OutputFeature(c.modality(), c.tokenIndex(), b.toHost(v).toFloatArray()));
                v.close();
            }
            List<String> notices = new ArrayList<>();
            List<GeneratedImage> images = route(outs, prompt, notices, l);
            long t2 = System.nanoTime();
            mediaCount.putAll(a.counts());
            return new Reply(res.text(), res.tokens(), res.reason(), outs, images, notices, plan.officialPrompt(), plan.rows(), t1 - t0, t2 - t1);
        }
    }

    /**
     * The features CoDi-2 splices for a medium, before projection: images are the encoder's full
     * token sequence divided by the L2 norm of its first (CLS) row ({@code embeds / ||embeds[:, :1]||}
     * in openllama), audio and video their single embedding, as one row.
     */
    private Tensor rawFeatures(Media m) {
        try {
            return encode(m);
        } catch (IllegalStateException | UnsupportedOperationException e) {
            throw new UnsupportedMediaException(parts.encoder.describe() + " cannot encode " + m.kind() + " '" + m.label() + "': " + e.getMessage(), e);
        }
    }

    private Tensor encode(Media m) {
        MediaEncoder enc = parts.encoder;
        return switch (m) {
            case Media.Image img -> {
                Tensor seq = enc.imageTokens(img.pixels());                  // (T, D)
                float[] v = seq.toFloatArray();
                int d = seq.dim(1);
                double n = 0;
                for (int i = 0; i < d; i++) n += (double) v[i] * v[i];
                float inv = (float) (1 / Math.sqrt(n));
                for (int i = 0; i < v.length; i++) v[i] *= inv;
                int rows = seq.dim(0);
                seq.close();
                yield Tensor.fromFloats(v, rows, d);
            }
            case Media.Audio a -> row(enc.audioEmbedding(a.samples()));
            case Media.Video v -> row(enc.videoEmbedding(v.frames()));
        };
    }

    private static Tensor row(Tensor vec) {
        float[] v = vec.toFloatArray();
        vec.close();
        return Tensor.fromFloats(v, 1, v.length);
    }

    private void checkEncodable(Prompt p) {
        if (p.media().isEmpty()) return;
        if (parts.encoder == null)
            throw new UnsupportedMediaException("the prompt holds " + p.media().size() + " medi" + (p.media().size() == 1 ? "um" : "a") + " (" + p.media().getFirst().label()
                    + ") but no encoder is configured; add \"imagebind\" to the codi2.json, or send text only");
    }

    private void checkFits(PromptAssembler.Plan plan) {
        int remaining = state.remaining();
        if (plan.rows() + 1 <= remaining) return;
        Map<String, Integer> rowsBy = new java.util.TreeMap<>();
        Map<String, Integer> countBy = new java.util.TreeMap<>();
        for (PromptAssembler.Feature f : plan.features()) {
            rowsBy.merge(f.media().kind(), f.rows(), Integer::sum);
            countBy.merge(f.media().kind(), 1, Integer::sum);
        }
        StringBuilder what = new StringBuilder(plan.tokenCount() + " tokens");
        for (var e : rowsBy.entrySet()) what.append(" + ").append(countBy.get(e.getKey())).append(' ').append(e.getKey()).append(countBy.get(e.getKey()) == 1 ? "" : "s")
                .append(" × ").append(e.getValue() / countBy.get(e.getKey())).append(" rows");
        throw new PromptTooLongException("this turn needs " + plan.rows() + " positions (" + what + ") plus one for the reply, but only " + remaining + " of the "
                + state.capacity() + "-position context are free" + (turns.isEmpty() ? "" : " after " + turns.size() + " turn" + (turns.size() == 1 ? "" : "s"))
                + "; send fewer media or less text, start a new conversation, or raise context_length in codi2.json (the LLM allows "
                + parts.llm.config().maxPositionEmbeddings() + ")", plan.rows(), remaining, state.capacity());
    }

    // ---- routing of output features ---------------------------------------------------------------

    private List<GeneratedImage> route(List<OutputFeature> outs, Prompt prompt, List<String> notices, ReplyListener l) {
        List<GeneratedImage> images = new ArrayList<>();
        int k = 0;
        for (OutputFeature f : outs) {
            k++;
            switch (f.modality()) {
                case "image" -> {
                    if (parts.imageDecoder == null) {
                        notices.add("output feature " + k + " is an image, but no image decoder is configured (add \"image_decoder\" to the codi2.json); the image was not painted");
                        continue;
                    }
                    images.add(paint(f.vector(), prompt, "output feature " + k, images.size(), notices, l));
                }
                case "audio" -> notices.add("output feature " + k + " is audio: the audio decoder (AudioLDM2) is not available yet; the reply text is complete, the sound was not made");
                case "video" -> notices.add("output feature " + k + " is video: the video decoder (zeroscope) is not available yet; the reply text is complete, the video was not made");
                default -> notices.add("output feature " + k + " has unknown modality " + f.modality());
            }
        }
        return images;
    }

    GeneratedImage paint(float[] embedding, Prompt prompt, String source, int k, List<String> notices, ReplyListener l) {
        ImageDecoder dec = parts.imageDecoder;
        long seed = generation.seed() * 1_000_003L + turns.size() * 101L + k;
        ImageRequest req = imageSettings.request(embedding, seed);
        Media.Image edit = editSource(prompt);
        if (edit != null) {
            if (dec.supportsEditing()) req = req.withEditSource(edit.pixels(), imageSettings.imageGuidance());
            else {
                notices.add("the image decoder cannot edit; " + source + " was painted from its embedding alone instead of editing " + edit.label());
                edit = null;
            }
        }
        int index = generated.size() + 1;
        l.onStage(ReplyListener.Stage.PAINTING_IMAGE, "image " + index + (edit == null ? "" : " (editing " + edit.label() + ")"));
        checkCancelled();
        Image img = dec.generate(req, (s, t) -> l.onProgress(ReplyListener.Stage.PAINTING_IMAGE, s, t), () -> cancelRequested);
        GeneratedImage g = new GeneratedImage(img, index, req, edit == null ? null : edit.label(), prompt.toString(), source);
        generated.add(g);
        l.onImage(g);
        return g;
    }

    /** The image an output edits, per {@link ImageSettings.EditMode}. */
    private Media.Image editSource(Prompt prompt) {
        List<Media.Image> imgs = new ArrayList<>();
        for (Media m : prompt.media()) if (m instanceof Media.Image i) imgs.add(i);
        return switch (imageSettings.edit()) {
            case NEVER -> null;
            case AUTO -> imgs.size() == 1 ? imgs.getFirst() : null;
            case ALWAYS -> !imgs.isEmpty() ? imgs.getLast() : generated.isEmpty() ? null : generated.getLast().asMedia();
        };
    }

    private void checkCancelled() {
        if (cancelRequested) throw new CancellationException("the turn was cancelled");
    }

    // ---- ImageBind-direct mode (no trained projectors) --------------------------------------------

    private Reply directTurn(Prompt prompt, ReplyListener l) {
        List<String> notices = new ArrayList<>();
        List<Media> media = prompt.media();
        String text = "";
        int[] tokens = new int[0];
        Reply.StopReason reason = Reply.StopReason.NO_LLM;
        int positions = 0;
        String official = prompt.text();
        long t0 = System.nanoTime();
        if (parts.llm != null) {
            if (!media.isEmpty()) notices.add("ImageBind-direct mode (no CoDi-2 projector weights): the LLM sees only the text; the "
                    + media.size() + " medi" + (media.size() == 1 ? "um goes" : "a go") + " straight to the image decoder");
            if (!prompt.text().isBlank()) {
                boolean first = state.position() == 0;
                PromptTemplate t = model.config().template();
                PromptAssembler.Plan plan = new PromptAssembler(parts.tokenizer).plan(first, t.before(first), Prompt.text(prompt.text()), t.assistant(), new HashMap<>(), m -> 1);
                checkFits(plan);
                Tensor embeds = PromptAssembler.embed(plan, parts.llm, parts.tokenizer.bosId(), List.of(), parts.backend);
                try {
                    l.onStage(ReplyListener.Stage.WRITING_REPLY, "");
                    ReplyGenerator.Result res = model.generator().generate(state, embeds, generation.withSeed(generation.seed() + turns.size()), new ReplyGenerator.Sink() {
                        @Override public void text(String delta) { if (!delta.isEmpty()) l.onText(delta); }
                        @Override public void progress(int done, int total) { l.onProgress(ReplyListener.Stage.WRITING_REPLY, done, total); }
                    }, () -> cancelRequested);
                    text = res.text();
                    tokens = res.tokens();
                    reason = res.reason();
                    positions = plan.rows();
                    official = plan.officialPrompt();
                } finally {
                    embeds.close();
                }
            }
        }
        long t1 = System.nanoTime();
        List<GeneratedImage> images = new ArrayList<>();
        if (!media.isEmpty()) {
            if (parts.encoder == null || parts.imageDecoder == null)
                notices.add("no image was painted: ImageBind-direct generation needs both \"imagebind\" and \"image_decoder\" in the codi2.json");
            else {
                List<ImageBindDirect.Weighted> mix = new ArrayList<>();
                for (Media m : media) mix.add(ImageBindDirect.Weighted.of(m, 1));
                l.onStage(ReplyListener.Stage.ENCODING_MEDIA, media.size() + " media");
                float[] e = model.direct().embedding(mix);
                images.add(paint(e, prompt, "imagebind-direct", 0, notices, l));
            }
        }
        return new Reply(text, tokens, reason, List.of(), images, notices, official, positions, t1 - t0, System.nanoTime() - t1);
    }

    @Override public String toString() {
        return String.format(Locale.ROOT, "Conversation(%d turns, %d/%d positions)", turns.size(), contextUsed(), contextCapacity());
    }
}
