package dev.codi4j.tensor;

/** Element-wise binary functions with broadcasting. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, MAX, MIN, POW;

    public float apply(float a, float b) {
        return switch (this) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
            case MAX -> Math.max(a, b);
            case MIN -> Math.min(a, b);
            case POW -> (float) Math.pow(a, b);
        };
    }
}
