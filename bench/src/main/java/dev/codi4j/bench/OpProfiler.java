package dev.codi4j.bench;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.Device;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A backend that times every op of the wrapped one (wall time per op kind and shape class), to show
 * where a forward pass spends its time. Adds a little overhead per call; use for profiles, not for the
 * reported figures.
 */
final class OpProfiler implements Backend {
    private final Backend b;
    private final Map<String, long[]> stats = new TreeMap<>();

    OpProfiler(Backend b) { this.b = b; }

    private void time(String op, Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        long ns = System.nanoTime() - t0;
        long[] s = stats.computeIfAbsent(op, k -> new long[2]);
        s[0] += ns;
        s[1]++;
    }

    private <T> T time(String op, Supplier<T> r) {
        long t0 = System.nanoTime();
        T v = r.get();
        long ns = System.nanoTime() - t0;
        long[] s = stats.computeIfAbsent(op, k -> new long[2]);
        s[0] += ns;
        s[1]++;
        return v;
    }

    void print(PrintStream out) {
        long total = stats.values().stream().mapToLong(s -> s[0]).sum();
        out.printf(Locale.ROOT, "  %-44s %9s %7s %6s%n", "op", "seconds", "calls", "share");
        stats.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).forEach(e ->
                out.printf(Locale.ROOT, "  %-44s %9.3f %7d %5.1f%%%n", e.getKey(), e.getValue()[0] / 1e9, e.getValue()[1], 100.0 * e.getValue()[0] / total));
        out.printf(Locale.ROOT, "  %-44s %9.3f%n", "total in ops", total / 1e9);
    }

    void reset() { stats.clear(); }

    private static String s(Tensor t) { return t.isContiguous() ? "" : "(strided)"; }

    @Override public String name() { return "profile(" + b.name() + ")"; }
    @Override public Device device() { return b.device(); }
    @Override public int threads() { return b.threads(); }
    @Override public Tensor empty(DType dtype, int... shape) { return time("empty", () -> b.empty(dtype, shape)); }
    @Override public Tensor toDevice(Tensor host) { return b.toDevice(host); }
    @Override public Tensor toHost(Tensor t) { return b.toHost(t); }
    @Override public void copy(Tensor src, Tensor dst) { time("copy " + src.dtype() + s(src), () -> b.copy(src, dst)); }
    @Override public void fill(Tensor dst, float value) { time("fill", () -> b.fill(dst, value)); }
    @Override public void unary(UnaryOp op, Tensor x, Tensor out) { time("unary " + op, () -> b.unary(op, x, out)); }
    @Override public void binary(BinaryOp op, Tensor x, Tensor y, Tensor out) { time("binary " + op + (x.numel() == y.numel() ? "" : " bcast"), () -> b.binary(op, x, y, out)); }
    @Override public void affine(Tensor x, float alpha, float beta, Tensor out) { time("affine", () -> b.affine(x, alpha, beta, out)); }
    @Override public void gated(UnaryOp act, Tensor gate, Tensor up, Tensor out) { time("gated " + act + s(gate), () -> b.gated(act, gate, up, out)); }
    @Override public void matmul(Tensor x, Tensor y, Tensor out) { time("matmul", () -> b.matmul(x, y, out)); }
    @Override public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) { time("linear " + w.dtype() + s(x), () -> b.linear(x, w, bias, out)); }
    @Override public void softmax(Tensor x, Tensor out) { time("softmax", () -> b.softmax(x, out)); }
    @Override public void layerNorm(Tensor x, Tensor w, Tensor bias, float eps, Tensor out) { time("layerNorm", () -> b.layerNorm(x, w, bias, eps, out)); }
    @Override public void rmsNorm(Tensor x, Tensor w, float eps, Tensor out) { time("rmsNorm", () -> b.rmsNorm(x, w, eps, out)); }
    @Override public void groupNorm(Tensor x, int groups, Tensor w, Tensor bias, float eps, Tensor out) { time("groupNorm", () -> b.groupNorm(x, groups, w, bias, eps, out)); }
    @Override public void rope(Tensor x, Tensor p, int rd, double theta, boolean il, Tensor out) { time("rope", () -> b.rope(x, p, rd, theta, il, out)); }
    @Override public void embedding(Tensor table, Tensor ids, Tensor out) { time("embedding", () -> b.embedding(table, ids, out)); }
    @Override public void conv(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups, Tensor out) {
        time("conv " + w.dim(2) + "x" + w.dim(3) + (stride != null && stride[0] > 1 ? " s2" : "") + " " + w.dtype(), () -> b.conv(x, w, bias, stride, padding, dilation, groups, out));
    }
    @Override public void upsampleNearest(Tensor x, Tensor out) { time("upsampleNearest", () -> b.upsampleNearest(x, out)); }
    @Override public void attention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, float scale, Tensor out) {
        time("attention " + (k.dim(2) > 100 ? "self" : "cross") + s(q), () -> b.attention(q, k, v, mask, causal, scale, out));
    }
    @Override public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) { time("reduce", () -> b.reduce(op, x, dim, out)); }
    @Override public void argmax(Tensor x, Tensor out) { time("argmax", () -> b.argmax(x, out)); }
}
