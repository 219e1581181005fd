package dev.codi4j.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.BinaryOp;
import dev.codi4j.tensor.DType;
import dev.codi4j.tensor.ReduceOp;
import dev.codi4j.tensor.Tensor;
import dev.codi4j.tensor.UnaryOp;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * Runs the PyTorch op fixtures ({@code fixtures/ops.json}, made by {@code tools/fixtures/ops_reference.py})
 * on any backend: each case is one dynamic test named after the op, comparing with the PyTorch
 * (float64) result within {@code tol·(1 + |expected|)}.
 */
public final class OpFixtures {
    private OpFixtures() {}

    public static Stream<DynamicTest> run(Backend backend, double tol) {
        JsonObject root;
        try (var in = OpFixtures.class.getResourceAsStream("/fixtures/ops.json")) {
            root = new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), JsonObject.class);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement el : root.getAsJsonArray("cases")) {
            JsonObject c = el.getAsJsonObject();
            String name = c.get("name").getAsString();
            tests.add(DynamicTest.dynamicTest(name + "  [" + c.get("torch").getAsString() + "]", () -> check(backend, c, tol)));
        }
        return tests.stream();
    }

    static Tensor tensor(Backend b, JsonObject j) {
        int[] shape = ints(j.getAsJsonArray("shape"));
        JsonArray data = j.getAsJsonArray("data");
        if (j.get("dtype").getAsString().startsWith("I")) {
            int[] v = new int[data.size()];
            for (int i = 0; i < v.length; i++) v[i] = data.get(i).getAsInt();
            return b.toDevice(Tensor.fromInts(v, shape));
        }
        float[] v = new float[data.size()];
        for (int i = 0; i < v.length; i++) v[i] = data.get(i).getAsFloat();
        return b.toDevice(Tensor.fromFloats(v, shape));
    }

    static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).getAsInt();
        return r;
    }

    private static void check(Backend b, JsonObject c, double tol) {
        JsonObject in = c.getAsJsonObject("inputs"), p = c.getAsJsonObject("params");
        Tensor expected = b.toHost(tensor(b, c.getAsJsonObject("expected"))); // host: device backends cannot read their tensors directly
        java.util.function.Function<String, Tensor> arg = k -> in.has(k) ? tensor(b, in.getAsJsonObject(k)) : null;
        Tensor out = switch (c.get("op").getAsString()) {
            case "unary" -> b.unary(UnaryOp.valueOf(p.get("fn").getAsString()), arg.apply("x"));
            case "binary" -> b.binary(BinaryOp.valueOf(p.get("fn").getAsString()), arg.apply("a"), arg.apply("b"));
            case "affine" -> {
                Tensor x = arg.apply("x"), o = b.empty(DType.F32, x.shape());
                b.affine(x, p.get("alpha").getAsFloat(), p.get("beta").getAsFloat(), o);
                yield o;
            }
            case "gated" -> b.gated(UnaryOp.valueOf(p.get("fn").getAsString()), arg.apply("gate"), arg.apply("up"));
            case "matmul" -> {
                Tensor bm = arg.apply("b");
                yield b.matmul(arg.apply("a"), p.get("transposeB").getAsBoolean() ? bm.transpose(-1, -2) : bm);
            }
            case "linear" -> {
                Tensor w = arg.apply("w");
                DType wd = DType.valueOf(p.get("wdtype").getAsString());
                yield b.linear(arg.apply("x"), wd == DType.F32 ? w : b.copyOf(w, wd), arg.apply("bias"));
            }
            case "softmax" -> b.softmax(arg.apply("x"));
            case "layerNorm" -> b.layerNorm(arg.apply("x"), arg.apply("w"), arg.apply("b"), p.get("eps").getAsFloat());
            case "rmsNorm" -> b.rmsNorm(arg.apply("x"), arg.apply("w"), p.get("eps").getAsFloat());
            case "groupNorm" -> b.groupNorm(arg.apply("x"), p.get("groups").getAsInt(), arg.apply("w"), arg.apply("b"), p.get("eps").getAsFloat());
            case "rope" -> b.rope(arg.apply("x"), arg.apply("positions"), p.get("rotaryDim").getAsInt(), p.get("theta").getAsDouble(), p.get("interleaved").getAsBoolean());
            case "embedding" -> b.embedding(arg.apply("table"), arg.apply("ids"));
            case "conv" -> b.conv(arg.apply("x"), arg.apply("w"), arg.apply("bias"), ints(p.getAsJsonArray("stride")), ints(p.getAsJsonArray("padding")),
                    ints(p.getAsJsonArray("dilation")), p.get("groups").getAsInt());
            case "upsampleNearest" -> b.upsampleNearest(arg.apply("x"), 2);
            case "attention" -> b.attention(arg.apply("q"), arg.apply("k"), arg.apply("v"), arg.apply("mask"), p.get("causal").getAsBoolean(), p.get("scale").getAsFloat());
            case "reduce" -> b.reduce(ReduceOp.valueOf(p.get("fn").getAsString()), arg.apply("x"), p.get("dim").getAsInt());
            case "argmax" -> b.argmax(arg.apply("x"));
            case "copy" -> b.copyOf(b.copyOf(arg.apply("x"), DType.valueOf(p.get("dtype").getAsString())), DType.F32);
            default -> throw new IllegalStateException("unknown op in fixture: " + c.get("op"));
        };
        assertClose(expected, b.toHost(out), c.get("op").getAsString().equals("copy") ? 0 : tol, c.get("name").getAsString());
    }

    /** Asserts same shape and |a − e| ≤ tol·(1 + |e|) element-wise; reports the worst element. */
    public static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double worst = 0;
        int at = -1;
        for (int i = 0; i < e.length; i++) {
            double err = a[i] == e[i] ? 0 : Math.abs((double) a[i] - e[i]) / (1 + Math.abs(e[i])); // equal infinities are exact
            if (Double.isNaN(a[i]) != Double.isNaN(e[i]) || err > worst || Double.isNaN(err)) { worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err; at = i; }
        }
        final int where = at;
        final double w = worst;
        assertTrue(worst <= tol, () -> what + ": element " + where + " is " + a[where] + ", expected " + e[where] + " (scaled error " + w + " > " + tol + ")");
    }
}
