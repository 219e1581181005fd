package dev.codi4j.models.imagebind;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Scope;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/** ImageBind's postprocessors and the clip average, on the backend. */
final class Postprocess {
    private Postprocess() {}

    /** {@code F.normalize(x, dim=-1)} (x / max(‖x‖₂, 1e-12)), then × {@code scale} unless it is NaN. */
    static Tensor normalizeAndScale(Backend b, Tensor x, float scale) {
        try (Scope s = Scope.open()) {
            Tensor norm = b.reduce(ReduceOp.SUM, b.mul(x, x), -1);                 // (..., 1)
            b.unary(UnaryOp.SQRT, norm, norm);
            Tensor eps = b.empty(DType.F32, 1);
            b.fill(eps, 1e-12f);
            b.binary(BinaryOp.MAX, norm, eps, norm);
            Tensor y = b.div(x, norm);
            if (!Float.isNaN(scale)) b.affine(y, scale, 0, y);
            return s.keep(y);
        }
    }

    /** (B·S, D) per-clip embeddings → (B, D) means over each item's S clips, as the official forward does. */
    static Tensor meanOverClips(Backend b, Tensor perClip, int batch, int clips) {
        int d = perClip.dim(-1);
        Tensor m = b.reduce(ReduceOp.MEAN, perClip.view(batch, clips, d), 1);       // (B, 1, D)
        return m.view(batch, d);
    }
}
