package dev.codi4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Frees the temporaries of a block of work. Every tensor allocated on this thread while a scope is
 * open belongs to the innermost scope and is released when it closes, except those passed to
 * {@link #keep}, which move to the enclosing scope (or become unscoped, freed when unreachable).
 *
 * <pre>{@code
 * try (Scope s = Scope.open()) {
 *     Tensor h = ops.linear(x, w1, null);   // temporary
 *     return s.keep(ops.linear(h, w2, null)); // survives the scope
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Storage> owned = new ArrayList<>();
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private Scope() {}

    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    /**
     * Makes {@code s} belong to the innermost open scope of this thread (if any), so it is closed with
     * it. {@link HostMemory} does this for every allocation; device backends call it for their own
     * {@link Storage} implementations so that GPU temporaries are freed by scopes too.
     */
    public static void register(Storage s) {
        Scope top = STACK.get().peek();
        if (top != null) top.owned.add(s);
    }

    /** Moves the storage of {@code t} out of this scope to the enclosing one; returns {@code t}. */
    public Tensor keep(Tensor t) {
        if (t != null) move(t.storage());
        return t;
    }

    /** Keeps several tensors (see {@link #keep(Tensor)}). */
    public void keepAll(Tensor... ts) { for (Tensor t : ts) keep(t); }

    private void move(Storage s) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            if (owned.get(i) == s) {
                owned.remove(i);
                ArrayDeque<Scope> stack = STACK.get();
                boolean seen = false;
                for (Scope outer : stack) { // innermost first
                    if (seen) { outer.owned.add(s); return; }
                    if (outer == this) seen = true;
                }
                return; // outermost scope: becomes unscoped
            }
        }
    }

    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) throw new IllegalStateException("a Scope must be closed by the thread that opened it");
        closed = true;
        ArrayDeque<Scope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("scopes must be closed innermost first");
        stack.pop();
        Set<Storage> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Storage s : owned) if (seen.add(s)) s.close();
        owned.clear();
    }
}
