package dev.codi4j.models.clip;

import dev.codi4j.tensor.UnaryOp;

/** transformers' ACT2FN names → our element-wise ops. */
final class Activations {
    private Activations() {}

    static UnaryOp of(String hiddenAct) {
        return switch (hiddenAct) {
            case "gelu" -> UnaryOp.GELU;
            case "quick_gelu" -> UnaryOp.QUICK_GELU;
            case "gelu_new", "gelu_pytorch_tanh" -> UnaryOp.GELU_TANH;
            default -> throw new IllegalArgumentException("hidden_act '" + hiddenAct + "' is not supported by the CLIP towers; expected gelu, quick_gelu, gelu_new or gelu_pytorch_tanh");
        };
    }
}
