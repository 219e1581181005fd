package dev.codi4j.kernels.cpu;

import dev.codi4j.kernels.cpu.matmul.Conv;
import dev.codi4j.kernels.cpu.matmul.Linear;
import dev.codi4j.kernels.cpu.matmul.MatMul;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import dev.codi4j.tensor.ref.ReferenceBackend;

/**
 * The fast CPU backend: Vector API kernels on a fixed thread pool.
 * WORK IN PROGRESS: ops not yet vectorised delegate to the reference backend.
 */
public final class CpuBackend implements Backend {
    private final Parallel pool;
    private final ReferenceBackend ref = new ReferenceBackend();

    public CpuBackend(int threads) { this.pool = new Parallel(threads); }

    public Parallel pool() { return pool; }

    @Override public String name() { return "cpu"; }
    @Override public Device device() { return Device.CPU; }
    @Override public int threads() { return pool.threads(); }
    @Override public Tensor empty(DType dtype, int... shape) { return Tensor.allocate(dtype, shape); }
    @Override public Tensor toDevice(Tensor host) { return ref.toDevice(host); }
    @Override public Tensor toHost(Tensor t) { return ref.toHost(t); }
    @Override public void copy(Tensor src, Tensor dst) { ref.copy(src, dst); }
    @Override public void fill(Tensor dst, float value) { ref.fill(dst, value); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { ref.unary(op, x, out); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { ref.binary(op, a, b, out); }
    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) { ref.affine(x, alpha, beta, out); }
    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) { ref.gated(act, gate, up, out); }
    @Override public void matmul(Tensor a, Tensor b, Tensor out) { if (!MatMul.run(a, b, out, pool)) ref.matmul(a, b, out); }
    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) { if (!Linear.run(x, w, bias, out, pool)) ref.linear(x, w, bias, out); }
    @Override public void softmax(Tensor x, Tensor out) { ref.softmax(x, out); }
    @Override public void layerNorm(Tensor x, Tensor w, Tensor b, float eps, Tensor out) { ref.layerNorm(x, w, b, eps, out); }
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out) { ref.rmsNorm(x, w, eps, out); }
    @Override public void groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps, Tensor out) { ref.groupNorm(x, groups, w, b, eps, out); }
    @Override public void rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out) { ref.rope(x, positions, rotaryDim, theta, interleaved, out); }
    @Override public void embedding(Tensor table, Tensor ids, Tensor out) { ref.embedding(table, ids, out); }
    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        if (!Conv.run(x, w, bias, stride, padding, dilation, groups, out, pool)) ref.conv(x, w, bias, stride, padding, dilation, groups, out);
    }
    @Override public void upsampleNearest(Tensor x, Tensor out) { ref.upsampleNearest(x, out); }
    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) { ref.attention(q, k, v, mask, causal, scale, out); }
    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) { ref.reduce(op, x, dim, out); }
    @Override public void argmax(Tensor x, Tensor out) { ref.argmax(x, out); }
    @Override public void close() { pool.close(); }
}
