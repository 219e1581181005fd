package dev.codi4j.models.codi2;

import dev.codi4j.loaders.weights.Weights;
import dev.codi4j.models.nn.LayerNorm;
import dev.codi4j.models.nn.Linear;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/**
 * One of CoDi-2's two projectors, {@code nn.Sequential(Linear(in, out), GELU(), LayerNorm(out),
 * Linear(out, out))}: {@code codi_llama_proj} (1024 → 4096, ImageBind space into the LLM's embedding
 * space) and {@code codi_llama_decode} (4096 → 1024, LLM hidden states back into ImageBind space).
 * State-dict names are the module's: {@code <name>.0.weight}, {@code .0.bias}, {@code .2.weight},
 * {@code .2.bias}, {@code .3.weight}, {@code .3.bias}. GELU is PyTorch's default (exact erf) and
 * LayerNorm's eps its default 1e-5. Immutable; safe to share between threads if the backend is.
 */
public final class Projector {
    /** {@code codi_llama_proj}: encoder features → LLM embeddings. */
    public static final String INPUT = "codi_llama_proj";
    /** {@code codi_llama_decode}: LLM hidden states → encoder space. */
    public static final String OUTPUT = "codi_llama_decode";

    private final Linear first;
    private final LayerNorm norm;
    private final Linear second;

    public Projector(Linear first, LayerNorm norm, Linear second) {
        this.first = first;
        this.norm = norm;
        this.second = second;
    }

    /**
     * Reads the projector under {@code w} (already scoped to {@code codi_llama_proj.} or {@code
     * codi_llama_decode.}), checking {@code in} and {@code out} against the stored shapes.
     */
    public static Projector load(Backend b, Weights w, int in, int out) {
        return new Projector(Linear.load(b, w.pp("0"), in, out, true, null), LayerNorm.load(b, w.pp("2"), out, 1e-5f),
                Linear.load(b, w.pp("3"), out, out, true, null));
    }

    public int in() { return first.in(); }
    public int out() { return second.out(); }

    /** x (..., in) → (..., out). */
    public Tensor forward(Backend b, Tensor x) {
        Tensor h = first.forward(b, x);
        b.unary(UnaryOp.GELU, h, h);
        Tensor n = norm.forward(b, h);
        h.close();
        Tensor y = second.forward(b, n);
        n.close();
        return y;
    }
}
