package dev.codi4j.kernels.cpu;

import dev.codi4j.kernels.cpu.matmul.Conv;
import dev.codi4j.kernels.cpu.matmul.Linear;
import dev.codi4j.kernels.cpu.matmul.MatMul;
import dev.codi4j.kernels.cpu.ops.Attention;
import dev.codi4j.kernels.cpu.ops.Copy;
import dev.codi4j.kernels.cpu.ops.Elementwise;
import dev.codi4j.kernels.cpu.ops.Gather;
import dev.codi4j.kernels.cpu.ops.Norms;
import dev.codi4j.kernels.cpu.ops.Reduce;
import dev.codi4j.kernels.cpu.ops.Rope;
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
    @Override public void copy(Tensor src, Tensor dst) { Copy.copy(pool, src, dst); }
    @Override public void fill(Tensor dst, float value) { Copy.fill(pool, dst, value); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { Elementwise.unary(pool, op, x, out); }
    @Override public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) { Elementwise.binary(pool, op, a, b, out); }
    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) { Elementwise.affine(pool, x, alpha, beta, out); }
    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) { Elementwise.gated(pool, act, gate, up, out); }
    @Override public void matmul(Tensor a, Tensor b, Tensor out) { if (!MatMul.run(a, b, out, pool)) ref.matmul(a, b, out); }
    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) { if (!Linear.run(x, w, bias, out, pool)) ref.linear(x, w, bias, out); }
    @Override public void softmax(Tensor x, Tensor out) { Norms.softmax(pool, x, out); }
    @Override public void layerNorm(Tensor x, Tensor w, Tensor b, float eps, Tensor out) { Norms.layerNorm(pool, x, w, b, eps, out); }
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out) { Norms.rmsNorm(pool, x, w, eps, out); }
    @Override public void groupNorm(Tensor x, int groups, Tensor w, Tensor b, float eps, Tensor out) { Norms.groupNorm(pool, x, groups, w, b, eps, out); }
    @Override public void rope(Tensor x, Tensor positions, int rotaryDim, double theta, boolean interleaved, Tensor out) { Rope.rope(pool, x, positions, rotaryDim, theta, interleaved, out); }
    @Override public void embedding(Tensor table, Tensor ids, Tensor out) { Gather.embedding(pool, table, ids, out); }
    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        if (!Conv.run(x, w, bias, stride, padding, dilation, groups, out, pool)) ref.conv(x, w, bias, stride, padding, dilation, groups, out);
    }
    @Override public void upsampleNearest(Tensor x, Tensor out) { Gather.upsampleNearest(pool, x, out); }
    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) { Attention.attention(pool, q, k, v, mask, causal, scale, out); }
    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) { Reduce.reduce(pool, op, x, dim, out); }
    @Override public void argmax(Tensor x, Tensor out) { Reduce.argmax(pool, x, out); }
    @Override public void close() { pool.close(); }
}
