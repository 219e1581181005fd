package dev.codi4j.loaders.pytorch;

import dev.codi4j.loaders.FormatException;
import dev.codi4j.loaders.SegmentReader;
import dev.codi4j.loaders.pytorch.Pickle.Global;
import dev.codi4j.loaders.pytorch.Pickle.StorageRef;
import dev.codi4j.loaders.pytorch.Pickle.TensorRef;
import dev.codi4j.loaders.pytorch.Pickle.Tuple;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader (protocols 2 to 5) that builds data, never runs code. It understands exactly what
 * {@code torch.save} writes for state dicts: dicts, lists, tuples, strings, numbers, None/bools,
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} /
 * {@code _rebuild_parameter(_with_state)} and storages named through {@code persistent_load}.
 * Any other global (a class or function the pickle wants called) is refused by name.
 *
 * <p>Memory is bounded by the input: every opcode consumes at least one byte and adds at most one
 * object, and every length is checked against the bytes left before anything is allocated.
 */
public final class RestrictedUnpickler {
    /** Globals a state dict may name, and nothing else. */
    static final Set<String> ALLOWED = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
            "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage", "torch.LongStorage",
            "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage", "torch.BoolStorage");

    private static final Object MARK = new Object() { @Override public String toString() { return "MARK"; } };

    private final SegmentReader in;
    private final ArrayDeque<Object> stack = new ArrayDeque<>();
    private final ArrayDeque<ArrayDeque<Object>> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private ArrayDeque<Object> cur = stack;

    private RestrictedUnpickler(MemorySegment data, String source) { this.in = new SegmentReader(data, source); }

    /** Unpickles {@code data}; {@code source} names it in errors (e.g. "model.pth!archive/data.pkl"). */
    public static Object load(MemorySegment data, String source) throws FormatException {
        return new RestrictedUnpickler(data, source).run();
    }

    private FormatException fail(String msg) { return in.fail(msg + " (at pickle offset " + in.position() + ")"); }

    private Object pop() throws FormatException {
        if (cur.isEmpty()) throw fail("pickle stack underflow; the pickle is corrupt");
        return cur.pop();
    }

    private Object peek() throws FormatException {
        if (cur.isEmpty()) throw fail("pickle stack underflow; the pickle is corrupt");
        return cur.peek();
    }

    private void push(Object o) { cur.push(o); }

    /** The items pushed since the last MARK, in order; the mark is removed. */
    private List<Object> popMark() throws FormatException {
        if (marks.isEmpty()) throw fail("pickle pops a MARK that was never set; the pickle is corrupt");
        List<Object> items = new ArrayList<>(cur);
        java.util.Collections.reverse(items);
        cur = marks.pop();
        return items;
    }

    private Object run() throws FormatException {
        while (true) {
            int op = in.u8("opcode");
            switch (op) {
                case 0x80 -> { int v = in.u8("protocol"); if (v < 2 || v > 5) throw fail("pickle protocol " + v + " is not supported (2 to 5 are)"); }
                case 0x95 -> { long n = in.i64("frame length"); if (n < 0 || n > in.remaining()) throw fail("frame of " + n + " bytes runs past the end"); }
                case '.' -> {
                    if (!marks.isEmpty()) throw fail("pickle ends inside a MARK");
                    Object r = pop();
                    if (!cur.isEmpty()) throw fail("pickle ends with " + cur.size() + " extra objects on the stack");
                    return r;
                }
                case '(' -> { marks.push(cur); cur = new ArrayDeque<>(); }
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<Object>());
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(new Tuple(List.of(pop())));
                case 0x86 -> { Object b = pop(), a = pop(); push(new Tuple(List.of(a, b))); }
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new Tuple(List.of(a, b, c))); }
                case 'N' -> push(Pickle.None.NONE);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) in.i32("BININT"));
                case 'K' -> push((long) in.u8("BININT1"));
                case 'M' -> push((long) in.u16("BININT2"));
                case 0x8a -> push(longN(in.u8("LONG1 length")));
                case 0x8b -> {
                    long n = in.i32("LONG4 length");
                    if (n < 0 || n > in.remaining()) throw fail("LONG4 of " + n + " bytes runs past the end");
                    push(longN((int) n));
                }
                case 'G' -> push(Double.longBitsToDouble(in.i64be("BINFLOAT")));
                case 'X' -> push(text(in.u32("BINUNICODE length")));
                case 0x8c -> push(text(in.u8("SHORT_BINUNICODE length")));
                case 0x8d -> push(text(in.i64("BINUNICODE8 length")));
                case 'T' -> push(latin1(in.u32("BINSTRING length")));
                case 'U' -> push(latin1(in.u8("SHORT_BINSTRING length")));
                case 'B' -> push(bytes(in.u32("BINBYTES length")));
                case 'C' -> push(bytes(in.u8("SHORT_BINBYTES length")));
                case 0x8e -> push(bytes(in.i64("BINBYTES8 length")));
                case 0x96 -> push(bytes(in.i64("BYTEARRAY8 length")));
                case 'q' -> memo.put((long) in.u8("BINPUT index"), peek());
                case 'r' -> memo.put(in.u32("LONG_BINPUT index"), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoGet(in.u8("BINGET index")));
                case 'j' -> push(memoGet(in.u32("LONG_BINGET index")));
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'a' -> { Object v = pop(); list(peek(), "APPEND").add(v); }
                case 'e' -> { List<Object> items = popMark(); list(peek(), "APPENDS").addAll(items); }
                case 's' -> { Object v = pop(), k = pop(); dict(peek(), "SETITEM").put(key(k), v); }
                case 'u' -> {
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) throw fail("SETITEMS with an odd number of items");
                    Map<Object, Object> d = dict(peek(), "SETITEMS");
                    for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
                }
                case 0x8f -> push(new java.util.LinkedHashSet<Object>());
                case 0x90 -> {
                    List<Object> items = popMark();
                    if (!(peek() instanceof java.util.Set<?>)) throw fail("ADDITEMS on a " + typeName(peek()));
                    @SuppressWarnings("unchecked") java.util.Set<Object> set = (java.util.Set<Object>) peek();
                    for (Object o : items) set.add(key(o));
                }
                case 0x91 -> { List<Object> items = popMark(); java.util.Set<Object> s = new java.util.LinkedHashSet<>(); for (Object o : items) s.add(key(o)); push(s); }
                case 'c' -> push(global(line("GLOBAL module"), line("GLOBAL name")));
                case 0x93 -> {
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw fail("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 'R' -> { Object args = pop(), f = pop(); push(reduce(f, args)); }
                case 'b' -> { Object state = pop(); build(peek(), state); }
                case 'Q' -> push(persistent(pop()));
                case 0x81, 0x92 -> throw fail("pickle creates an object with NEWOBJ of " + describe(cur.size() > 1 ? cur.toArray()[1] : "?") + "; codi4j loads only tensors and plain data — re-save with torch.save(model.state_dict(), path)");
                case 'i', 'o' -> throw fail("pickle instantiates a class (INST/OBJ opcode); refused");
                case 'P' -> throw fail("text persistent ids (protocol 0) are not used by torch.save; refused");
                case 0x82, 0x83, 0x84 -> throw fail("pickle uses the copyreg extension registry (EXT opcodes); refused");
                case 0x97, 0x98 -> throw fail("pickle uses out-of-band buffers (protocol 5); refused");
                case 'I', 'L', 'F', 'S', 'V', 'p', 'g', 'd', 'l' -> throw fail("text-mode pickle opcode '" + (char) op + "' (protocol 0/1) is not used by torch.save; refused");
                default -> throw fail("unknown pickle opcode 0x" + Integer.toHexString(op) + "; the file is corrupt or not a PyTorch checkpoint");
            }
        }
    }

    private Object longN(int n) throws FormatException {
        byte[] le = in.bytes(n, "LONG bytes");
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        BigInteger b = new BigInteger(be);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private String text(long n) throws FormatException {
        if (n < 0 || n > in.remaining()) throw fail("string of " + n + " bytes runs past the end");
        return in.utf8(n, "pickled string");
    }

    private String latin1(long n) throws FormatException {
        if (n < 0 || n > in.remaining()) throw fail("string of " + n + " bytes runs past the end");
        return new String(in.bytes(n, "pickled string"), StandardCharsets.ISO_8859_1);
    }

    private byte[] bytes(long n) throws FormatException {
        if (n < 0 || n > in.remaining()) throw fail("bytes of " + n + " bytes run past the end");
        return in.bytes(n, "pickled bytes");
    }

    private String line(String what) throws FormatException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = in.u8(what);
            if (c == '\n') return b.toString();
            if (b.length() > 256) throw fail(what + " is longer than 256 characters");
            b.append((char) c);
        }
    }

    private Object memoGet(long i) throws FormatException {
        Object o = memo.get(i);
        if (o == null) throw fail("memo index " + i + " was never stored; the pickle is corrupt");
        return o;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String op) throws FormatException {
        if (o instanceof ArrayList<?> l) return (List<Object>) l;
        throw fail(op + " on a " + typeName(o) + " (needs a list)");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String op) throws FormatException {
        if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
        throw fail(op + " on a " + typeName(o) + " (needs a dict)");
    }

    /** Dict keys and set items must be hashable scalars (or tuples of them), as in Python; this also keeps hashing cycle-free. */
    private Object key(Object k) throws FormatException {
        if (k instanceof String || k instanceof Long || k instanceof BigInteger || k instanceof Double || k instanceof Boolean || k == Pickle.None.NONE) return k;
        if (k instanceof Tuple t) {
            for (Object o : t.items()) if (!(o instanceof String || o instanceof Long || o instanceof Double || o instanceof Boolean || o == Pickle.None.NONE)) throw fail("dict key tuple holds a " + typeName(o));
            return k;
        }
        if (k instanceof byte[] b) return new String(b, StandardCharsets.ISO_8859_1);
        throw fail("dict key of type " + typeName(k) + " is not supported");
    }

    private Global global(String module, String name) throws FormatException {
        String full = module + "." + name;
        if (!ALLOWED.contains(full))
            throw fail("refuses global '" + full + "': loading it could run code. codi4j reads only tensors and plain data "
                    + "(dicts, lists, numbers, strings); re-save the checkpoint with torch.save(model.state_dict(), path) or convert it to safetensors");
        return new Global(module, name);
    }

    private Object reduce(Object f, Object args) throws FormatException {
        if (!(f instanceof Global g)) throw fail("REDUCE calls a " + typeName(f) + ", not an allowed global; refused");
        if (!(args instanceof Tuple a)) throw fail("REDUCE of " + g + " with " + typeName(args) + " arguments");
        return switch (g.toString()) {
            case "collections.OrderedDict" -> {
                LinkedHashMap<Object, Object> d = new LinkedHashMap<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof Tuple t) || t.size() != 2) throw fail("OrderedDict items must be (key, value) pairs");
                        d.put(key(t.get(0)), t.get(1));
                    }
                } else if (a.size() != 0) throw fail("OrderedDict called with " + a.size() + " arguments");
                yield d;
            }
            case "torch._utils._rebuild_tensor_v2" -> rebuildTensor(a);
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.size() < 3 || !(a.get(0) instanceof TensorRef t)) throw fail(g + " needs (tensor, requires_grad, hooks, ...)");
                yield t;
            }
            default -> throw fail("global '" + g + "' may be named but not called; refused");
        };
    }

    private TensorRef rebuildTensor(Tuple a) throws FormatException {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long off)
                || !(a.get(2) instanceof Tuple size) || !(a.get(3) instanceof Tuple stride) || size.size() != stride.size())
            throw fail("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        if (size.size() > 16) throw fail("tensor of rank " + size.size() + " is not supported");
        int[] shape = new int[size.size()];
        long[] strides = new long[size.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(size.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) throw fail("tensor dimension " + size.get(i) + " is not an int in [0, 2^31)");
            if (!(stride.get(i) instanceof Long st) || st < 0) throw fail("tensor stride " + stride.get(i) + " is not a non-negative int");
            shape[i] = (int) (long) d;
            strides[i] = st;
        }
        if (off < 0) throw fail("negative storage offset " + off);
        return new TensorRef(s, off, shape, strides);
    }

    private void build(Object target, Object state) throws FormatException {
        // OrderedDict state dicts carry a '_metadata' attribute (module versions); it is not needed
        if (target instanceof LinkedHashMap<?, ?>) return;
        throw fail("BUILD (setting object state) on a " + typeName(target) + "; refused");
    }

    private StorageRef persistent(Object pid) throws FormatException {
        // ('storage', torch.FloatStorage, key, location, numel)
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global type)
                || !(t.get(2) instanceof String key) || !(t.get(3) instanceof String loc) || !(t.get(4) instanceof Long numel) || numel < 0)
            throw fail("persistent id " + describe(pid) + " is not a torch storage reference ('storage', type, key, location, numel)");
        if (!type.module().equals("torch") || !type.name().endsWith("Storage")) throw fail("persistent id names " + type + ", not a torch storage type");
        if (key.isEmpty() || key.contains("/") || key.contains("..")) throw fail("storage key '" + key + "' is not a plain name");
        return new StorageRef(type.name(), key, loc, numel);
    }

    static String typeName(Object o) {
        if (o == null) return "null";
        if (o instanceof Map<?, ?>) return "dict";
        if (o instanceof List<?>) return "list";
        if (o instanceof Tuple) return "tuple";
        if (o instanceof String) return "str";
        if (o instanceof Long || o instanceof BigInteger) return "int";
        if (o instanceof Global g) return "global " + g;
        return o.getClass().getSimpleName();
    }

    /** A short description that cannot loop on self-referencing containers. */
    private static String describe(Object o) {
        if (o instanceof Tuple t) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < Math.min(t.size(), 6); i++) b.append(i > 0 ? ", " : "").append(scalarText(t.get(i)));
            return b.append(t.size() > 6 ? ", ...)" : ")").toString();
        }
        return scalarText(o);
    }

    private static String scalarText(Object o) {
        if (o instanceof String s) return "'" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "'";
        if (o instanceof Long || o instanceof Double || o instanceof Boolean || o instanceof Global || o == Pickle.None.NONE) return String.valueOf(o);
        return typeName(o);
    }
}
