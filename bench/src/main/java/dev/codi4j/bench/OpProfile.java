package dev.codi4j.bench;

import dev.codi4j.tensor.Backend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Wall time per {@link Backend} method, by wrapping a backend in a proxy: where a model's time goes
 * (e.g. {@code linear} versus attention versus the small element-wise ops). Nested calls (a default
 * method calling another) are counted in both; the models call the primitive forms.
 */
final class OpProfile {
    private final Map<String, long[]> byOp = new TreeMap<>();

    Backend wrap(Backend real) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, args) -> {
            long t0 = System.nanoTime();
            try {
                return m.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            } finally {
                long[] v = byOp.computeIfAbsent(m.getName(), k -> new long[2]);
                v[0] += System.nanoTime() - t0;
                v[1]++;
            }
        });
    }

    void reset() { byOp.clear(); }

    /** "linear 96.1 % (900 calls), attention 2.0 % ..." for the ops that took at least 0.1 %. */
    String report() {
        long total = 0;
        for (long[] v : byOp.values()) total += v[0];
        List<Map.Entry<String, long[]>> es = new ArrayList<>(byOp.entrySet());
        es.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        StringBuilder sb = new StringBuilder();
        for (var e : es) {
            double pct = 100.0 * e.getValue()[0] / Math.max(total, 1);
            if (pct < 0.1) continue;
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(String.format(Locale.ROOT, "%s %.1f %% (%d calls)", e.getKey(), pct, e.getValue()[1]));
        }
        return sb.toString();
    }
}
