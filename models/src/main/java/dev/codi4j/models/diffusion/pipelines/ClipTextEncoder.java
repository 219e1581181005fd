package dev.codi4j.models.diffusion.pipelines;

import dev.codi4j.loaders.config.CLIPTextConfig;
import dev.codi4j.loaders.hub.ModelFolder;
import dev.codi4j.loaders.tokenizer.ClipTokenizer;
import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.clip.ClipTextModel;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import java.io.IOException;
import java.util.List;

/**
 * diffusers' {@code encode_prompt} with a pipeline's {@code tokenizer/} and {@code text_encoder/}:
 * tokens padded to 77 ({@code padding="max_length", truncation=True}, transformers' CLIP tokenizer;
 * SD 2.x pads with "!"), no attention mask (the SD text encoders do not use one), the
 * {@code last_hidden_state} after the final layer norm ({@code clip_skip} None).
 */
public final class ClipTextEncoder implements TextEncoder, AutoCloseable {
    private final ClipTokenizer tokenizer;
    private final ClipTextModel model;
    private final Weights weights;
    private final int contextLength;

    public ClipTextEncoder(ClipTokenizer tokenizer, ClipTextModel model, Weights weights) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.weights = weights;
        this.contextLength = Math.min(ClipTokenizer.DEFAULT_CONTEXT_LENGTH, model.config().max_position_embeddings());
    }

    /** Loads {@code tokenizer/} and {@code text_encoder/} of a diffusers pipeline folder. */
    public static ClipTextEncoder load(Backend b, ModelFolder pipeline, DType weightDType) throws IOException {
        ClipTokenizer tok = ClipTokenizer.fromHuggingFace(pipeline.component("tokenizer").path(), ClipTokenizer.Flavor.HUGGING_FACE);
        ModelFolder te = pipeline.component("text_encoder");
        Weights w = te.weights();
        try {
            return new ClipTextEncoder(tok, ClipTextModel.load(b, w, CLIPTextConfig.from(te.config()), weightDType), w);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    @Override public Tensor encode(Backend b, List<String> prompts) {
        int[][] rows = tokenizer.tokenize(prompts, contextLength, true);
        int[] flat = new int[rows.length * contextLength];
        for (int i = 0; i < rows.length; i++) System.arraycopy(rows[i], 0, flat, i * contextLength, contextLength);
        return model.encodePrompt(b, Tensor.fromInts(flat, rows.length, contextLength), 0);
    }

    @Override public int hiddenSize() { return model.config().hidden_size(); }

    @Override public void close() { if (weights != null) weights.close(); }
}
