package dev.codi4j.tensor;

/** Element-wise functions. The formulas here are the reference definitions. */
public enum UnaryOp {
    /** x·Φ(x) with the exact erf (PyTorch {@code gelu(approximate='none')}). */
    GELU,
    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (PyTorch {@code gelu(approximate='tanh')}). */
    GELU_TANH,
    /** x·σ(1.702·x), OpenAI CLIP's activation. */
    QUICK_GELU,
    /** x·σ(x). */
    SILU,
    RELU, SIGMOID, TANH, EXP, LOG, SQRT, RSQRT, NEG, ABS, SQUARE, SIN, COS, RECIPROCAL;

    /** The reference scalar definition (double precision internally). */
    public float apply(float xf) {
        double x = xf;
        return (float) switch (this) {
            case GELU -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
            case SILU -> x / (1 + Math.exp(-x));
            case RELU -> Math.max(x, 0);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case RECIPROCAL -> 1 / x;
        };
    }
}
