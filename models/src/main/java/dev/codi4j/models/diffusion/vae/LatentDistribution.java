package dev.codi4j.models.diffusion.vae;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/**
 * diffusers' {@code DiagonalGaussianDistribution} over the encoder's moments (B, 2·latent, h, w):
 * mean, and log-variance clamped to [−30, 20].
 */
public record LatentDistribution(Tensor mean, Tensor logvar) {

    public static LatentDistribution of(Backend b, Tensor moments) {
        int c = moments.dim(1) / 2;
        Tensor mean = b.contiguous(moments.narrow(1, 0, c));
        Tensor lv = b.empty(DType.F32, mean.shape());
        b.copy(moments.narrow(1, c, c), lv);
        // clamp via max/min with broadcast scalars
        b.binary(BinaryOp.MAX, lv, b.toDevice(Tensor.scalar(-30f)), lv);
        b.binary(BinaryOp.MIN, lv, b.toDevice(Tensor.scalar(20f)), lv);
        return new LatentDistribution(mean, lv);
    }

    /** The mode (= mean), what InstructPix2Pix conditions on ({@code sample_mode="argmax"}). */
    public Tensor mode() { return mean; }

    /** mean + exp(logvar / 2) · noise, with {@code noise} (same shape) supplied by the caller's generator. */
    public Tensor sample(Backend b, Tensor noise) {
        Tensor std = b.empty(DType.F32, logvar.shape());
        b.affine(logvar, 0.5f, 0, std);
        b.unary(UnaryOp.EXP, std, std);
        Tensor out = b.mul(std, noise);
        std.close();
        b.binary(BinaryOp.ADD, out, mean, out);
        return out;
    }
}
