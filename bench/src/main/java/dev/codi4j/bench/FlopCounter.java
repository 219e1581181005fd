package dev.codi4j.bench;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;

/**
 * A backend that counts the multiply-add work of a model's forward pass instead of doing it:
 * convolutions, linear layers, matmuls and attention are counted (2 flops per multiply-add) and
 * skipped; every other op runs on the wrapped backend (so shapes flow exactly as in a real run).
 * Used once per configuration to turn a measured time into GFLOP/s.
 */
final class FlopCounter implements Backend {
    private final Backend b;
    private double flops;

    FlopCounter(Backend b) { this.b = b; }

    double flops() { return flops; }

    @Override public String name() { return "flop-counter(" + b.name() + ")"; }
    @Override public Device device() { return b.device(); }
    @Override public Tensor empty(DType dtype, int... shape) { return b.empty(dtype, shape); }
    @Override public Tensor toDevice(Tensor host) { return b.toDevice(host); }
    @Override public Tensor toHost(Tensor t) { return b.toHost(t); }
    @Override public void copy(Tensor src, Tensor dst) { b.copy(src, dst); }
    @Override public void fill(Tensor dst, float value) { b.fill(dst, value); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { b.unary(op, x, out); }
    @Override public void binary(BinaryOp op, Tensor x, Tensor y, Tensor out) { b.binary(op, x, y, out); }
    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) { b.affine(x, alpha, beta, out); }
    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) { b.gated(act, gate, up, out); }
    @Override public void softmax(Tensor x, Tensor out) { b.softmax(x, out); }
    @Override public void layerNorm(Tensor x, Tensor w, Tensor bias, float eps, Tensor out) { b.layerNorm(x, w, bias, eps, out); }
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out) { b.rmsNorm(x, w, eps, out); }
    @Override public void groupNorm(Tensor x, int groups, Tensor w, Tensor bias, float eps, Tensor out) { b.groupNorm(x, groups, w, bias, eps, out); }
    @Override public void rope(Tensor x, Tensor p, int rd, double theta, boolean il, Tensor out) { b.rope(x, p, rd, theta, il, out); }
    @Override public void embedding(Tensor table, Tensor ids, Tensor out) { b.embedding(table, ids, out); }
    @Override public void upsampleNearest(Tensor x, Tensor out) { b.upsampleNearest(x, out); }
    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) { b.reduce(op, x, dim, out); }
    @Override public void argmax(Tensor x, Tensor out) { b.argmax(x, out); }

    @Override public void matmul(Tensor x, Tensor y, Tensor out) {
        flops += 2.0 * out.numel() * x.dim(-1);
        b.fill(out, 0);
    }

    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        flops += 2.0 * out.numel() * w.dim(1);
        b.fill(out, 0);
    }

    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        long k = w.numel() / w.dim(0); // (C/groups)·kh·kw multiply-adds per output element
        flops += 2.0 * out.numel() * k;
        b.fill(out, 0);
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) {
        double pairs = (double) q.dim(0) * q.dim(1) * q.dim(2) * k.dim(2);
        if (causal) pairs /= 2;
        flops += 2 * pairs * q.dim(3) + 2 * pairs * v.dim(3);
        b.fill(out, 0);
    }
}
