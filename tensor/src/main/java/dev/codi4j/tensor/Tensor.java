package dev.codi4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * An n-dimensional array: a dtype, a shape, element strides and an element offset into a
 * {@link Storage}. Views (reshape, permute, narrow, expand, ...) share storage and copy nothing.
 *
 * <p>Block-quantised tensors (Q8_0, Q4_0) keep their innermost dimension contiguous and whole
 * blocks; views that would split a block are refused with a {@link ShapeException}.
 *
 * <p>Tensors are not thread-safe to close concurrently; reading the same tensor from several threads is fine.
 */
public final class Tensor implements AutoCloseable {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final long[] strides;
    private final long offset;

    public Tensor(Storage storage, DType dtype, int[] shape, long[] strides, long offset) {
        if (shape.length != strides.length) throw new ShapeException("shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides) + " differ in rank");
        for (int d : shape) if (d < 0) throw new ShapeException("negative dimension in shape " + Arrays.toString(shape));
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
        if (dtype.isQuantized()) checkBlockLayout();
        checkBounds();
    }

    /** A contiguous (row-major) tensor over {@code storage} starting at element {@code offset}. */
    public static Tensor of(Storage storage, DType dtype, long offset, int... shape) {
        return new Tensor(storage, dtype, shape, contiguousStrides(shape), offset);
    }

    /** A tensor over {@code segment} (borrowed memory, e.g. a file mapping); the caller keeps it alive. */
    public static Tensor wrap(MemorySegment segment, DType dtype, int... shape) {
        return of(Storage.borrowed(segment), dtype, 0, shape);
    }

    /** New host memory (uninitialised contents). Prefer {@link Backend#empty} in model code. */
    public static Tensor allocate(DType dtype, int... shape) {
        return of(HostMemory.allocate(dtype.byteSize(numel(shape)), false), dtype, 0, shape);
    }

    /** New zero-filled host memory. */
    public static Tensor zeros(DType dtype, int... shape) {
        return of(HostMemory.allocate(dtype.byteSize(numel(shape)), true), dtype, 0, shape);
    }

    /** A host F32 tensor holding a copy of {@code data}. */
    public static Tensor fromFloats(float[] data, int... shape) {
        if (numel(shape) != data.length) throw new ShapeException(data.length + " values do not fill shape " + Arrays.toString(shape));
        Tensor t = allocate(DType.F32, shape);
        MemorySegment.copy(data, 0, t.segment(), Numerics.F32, 0, data.length);
        return t;
    }

    /** A host I32 tensor holding a copy of {@code data}. */
    public static Tensor fromInts(int[] data, int... shape) {
        if (numel(shape) != data.length) throw new ShapeException(data.length + " values do not fill shape " + Arrays.toString(shape));
        Tensor t = allocate(DType.I32, shape);
        MemorySegment.copy(data, 0, t.segment(), Numerics.I32, 0, data.length);
        return t;
    }

    /** A 0-d F32 tensor. */
    public static Tensor scalar(float v) { return fromFloats(new float[] {v}); }

    // ---- accessors ------------------------------------------------------------------------

    public Storage storage() { return storage; }
    public DType dtype() { return dtype; }
    public Device device() { return storage.device(); }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }
    public long[] strides() { return strides.clone(); }
    public long offset() { return offset; }

    /** Size of dimension {@code d}; negative {@code d} counts from the end. */
    public int dim(int d) { return shape[axis(d)]; }

    /** Stride (in elements) of dimension {@code d}; negative {@code d} counts from the end. */
    public long stride(int d) { return strides[axis(d)]; }

    public long numel() { return numel(shape); }

    public static long numel(int... shape) {
        long n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes this tensor's elements would occupy if contiguous. */
    public long byteSize() { return dtype.byteSize(numel()); }

    public int axis(int d) {
        int a = d < 0 ? d + shape.length : d;
        if (a < 0 || a >= shape.length) throw new ShapeException("dimension " + d + " out of range for rank " + shape.length + " tensor " + Arrays.toString(shape));
        return a;
    }

    public boolean isContiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** The host segment of the storage, whole (use {@link #byteOffset()} for where this tensor starts). */
    public MemorySegment segment() { return storage.segment(); }

    /** Byte offset of element 0 inside {@link #segment()}. */
    public long byteOffset() { return dtype.isQuantized() ? offset / dtype.blockSize() * dtype.blockBytes() : offset * dtype.blockBytes(); }

    /** The bytes of a contiguous tensor, as a slice of its storage. */
    public MemorySegment data() {
        requireContiguous("data()");
        return storage.segment().asSlice(byteOffset(), byteSize());
    }

    // ---- views ------------------------------------------------------------------------------

    /** Same data, new shape (one entry may be -1). Needs a layout where that is possible without a copy; see {@link #reshape}. */
    public Tensor view(int... newShape) {
        int[] ns = inferShape(newShape);
        long[] st = viewStrides(ns);
        if (st == null) throw new ShapeException("cannot view " + describe() + " as " + Arrays.toString(ns) + " without a copy; call contiguous() first or use reshape()");
        return new Tensor(storage, dtype, ns, st, offset);
    }

    /** Like {@link #view} but copies (on the default backend of this device) when the layout demands it. */
    public Tensor reshape(int... newShape) {
        int[] ns = inferShape(newShape);
        long[] st = viewStrides(ns);
        if (st != null) return new Tensor(storage, dtype, ns, st, offset);
        return contiguous().view(ns);
    }

    public Tensor permute(int... dims) {
        if (dims.length != shape.length) throw new ShapeException("permute needs " + shape.length + " dims, got " + Arrays.toString(dims));
        int[] ns = new int[dims.length];
        long[] st = new long[dims.length];
        boolean[] used = new boolean[dims.length];
        for (int i = 0; i < dims.length; i++) {
            int a = axis(dims[i]);
            if (used[a]) throw new ShapeException("permute repeats dimension " + a + ": " + Arrays.toString(dims));
            used[a] = true;
            ns[i] = shape[a];
            st[i] = strides[a];
        }
        return new Tensor(storage, dtype, ns, st, offset);
    }

    public Tensor transpose(int d0, int d1) {
        int a = axis(d0), b = axis(d1);
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Elements {@code [start, start+length)} along {@code d}. */
    public Tensor narrow(int d, int start, int length) {
        int a = axis(d);
        if (start < 0 || length < 0 || start + length > shape[a]) throw new ShapeException("narrow(" + d + ", " + start + ", " + length + ") is outside " + describe());
        int[] ns = shape.clone();
        ns[a] = length;
        return new Tensor(storage, dtype, ns, strides, offset + start * strides[a]);
    }

    /** Removes dimension {@code d}, keeping index {@code i} of it. */
    public Tensor select(int d, int i) {
        int a = axis(d);
        if (i < 0) i += shape[a];
        if (i < 0 || i >= shape[a]) throw new ShapeException("index " + i + " is outside dimension " + d + " of " + describe());
        int[] ns = new int[shape.length - 1];
        long[] st = new long[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != a) { ns[j] = shape[k]; st[j++] = strides[k]; }
        return new Tensor(storage, dtype, ns, st, offset + i * strides[a]);
    }

    public Tensor unsqueeze(int d) {
        int a = d < 0 ? d + shape.length + 1 : d;
        if (a < 0 || a > shape.length) throw new ShapeException("unsqueeze(" + d + ") out of range for " + describe());
        int[] ns = new int[shape.length + 1];
        long[] st = new long[shape.length + 1];
        for (int k = 0, j = 0; k < ns.length; k++) {
            if (k == a) { ns[k] = 1; st[k] = a < shape.length ? strides[a] * shape[a] : 1; }
            else { ns[k] = shape[j]; st[k] = strides[j++]; }
        }
        return new Tensor(storage, dtype, ns, st, offset);
    }

    public Tensor squeeze(int d) {
        int a = axis(d);
        if (shape[a] != 1) throw new ShapeException("squeeze(" + d + ") of a dimension of size " + shape[a] + " in " + describe());
        return select(a, 0);
    }

    /** Broadcasts size-1 dimensions (stride 0) and prepends new ones to reach {@code newShape}; -1 keeps a size. */
    public Tensor expand(int... newShape) {
        if (newShape.length < shape.length) throw new ShapeException("expand to " + Arrays.toString(newShape) + " has fewer dims than " + describe());
        int lead = newShape.length - shape.length;
        int[] ns = new int[newShape.length];
        long[] st = new long[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            if (i < lead) { ns[i] = newShape[i]; st[i] = 0; continue; }
            int s = shape[i - lead], want = newShape[i] == -1 ? s : newShape[i];
            if (s == want) { ns[i] = s; st[i] = strides[i - lead]; }
            else if (s == 1) { ns[i] = want; st[i] = 0; }
            else throw new ShapeException("cannot expand " + describe() + " to " + Arrays.toString(newShape));
        }
        return new Tensor(storage, dtype, ns, st, offset);
    }

    /** Merges dimensions {@code [start, end]} into one. */
    public Tensor flatten(int start, int end) {
        int a = axis(start), b = axis(end);
        int[] ns = new int[shape.length - (b - a)];
        for (int i = 0; i < a; i++) ns[i] = shape[i];
        long m = 1;
        for (int i = a; i <= b; i++) m *= shape[i];
        ns[a] = Math.toIntExact(m);
        for (int i = b + 1; i < shape.length; i++) ns[i - (b - a)] = shape[i];
        return reshape(ns);
    }

    /** Splits dimension {@code d} into {@code parts} views of equal size. */
    public Tensor[] chunk(int parts, int d) {
        int a = axis(d);
        if (shape[a] % parts != 0) throw new ShapeException("cannot split dimension " + d + " of " + describe() + " into " + parts + " equal parts");
        int n = shape[a] / parts;
        Tensor[] out = new Tensor[parts];
        for (int i = 0; i < parts; i++) out[i] = narrow(a, i * n, n);
        return out;
    }

    /** Reinterprets the same bytes with another dtype of the same element size (e.g. I16 bits as F16). */
    public Tensor withDType(DType other) {
        if (other.blockBytes() != dtype.blockBytes() || other.blockSize() != dtype.blockSize()) throw new ShapeException("cannot reinterpret " + dtype + " as " + other);
        return new Tensor(storage, other, shape, strides, offset);
    }

    /** This tensor if contiguous, else a contiguous copy made by the default backend of its device. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        Backend b = Backends.forDevice(device());
        Tensor out = b.empty(dtype, shape);
        b.copy(this, out);
        return out;
    }

    // ---- host access (tests, small tensors, I/O) ---------------------------------------------

    /** Copies any dtype and layout into a new float array (row-major). Host tensors only. */
    public float[] toFloatArray() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) throw new ShapeException(describe() + " is too large for a Java array");
        float[] out = new float[(int) n];
        if (dtype == DType.F32 && isContiguous()) {
            MemorySegment.copy(segment(), Numerics.F32, byteOffset(), out, 0, out.length);
            return out;
        }
        Elements.forEach(this, (i, v) -> out[(int) i] = v);
        return out;
    }

    /** Copies an integer tensor (I32/I64/I8/U8/BOOL) into an int array. Host tensors only. */
    public int[] toIntArray() {
        int[] out = new int[Math.toIntExact(numel())];
        long[] idx = new long[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) Elements.getLong(this, Elements.offsetOf(this, idx));
            Elements.increment(idx, shape);
        }
        return out;
    }

    /** One element as float. Host tensors only; slow, for tests and small reads. */
    public float getFloat(int... index) { return Elements.get(this, Elements.offsetOf(this, index)); }

    /** Sets one element from a float (rounded to the dtype). Host tensors only; slow. */
    public void setFloat(float v, int... index) { Elements.set(this, Elements.offsetOf(this, index), v); }

    public float item() {
        if (numel() != 1) throw new ShapeException("item() needs one element, " + describe() + " has " + numel());
        return Elements.get(this, offset);
    }

    /** Releases the storage (and so every view of it). */
    @Override public void close() { storage.close(); }

    public String describe() { return dtype + Arrays.toString(shape) + (isContiguous() ? "" : " strides " + Arrays.toString(strides)); }

    @Override public String toString() { return "Tensor(" + describe() + " on " + device() + ")"; }

    public static long[] contiguousStrides(int[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) { st[i] = s; s *= Math.max(shape[i], 1); }
        return st;
    }

    private void requireContiguous(String what) {
        if (!isContiguous()) throw new ShapeException(what + " needs a contiguous tensor, got " + describe());
    }

    private int[] inferShape(int[] ns) {
        ns = ns.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < ns.length; i++) {
            if (ns[i] == -1) {
                if (unknown >= 0) throw new ShapeException("only one -1 allowed in " + Arrays.toString(ns));
                unknown = i;
            } else known *= ns[i];
        }
        long n = numel();
        if (unknown >= 0) {
            if (known == 0 || n % known != 0) throw new ShapeException("cannot infer -1 in " + Arrays.toString(ns) + " for " + describe());
            ns[unknown] = Math.toIntExact(n / known);
        } else if (known != n) throw new ShapeException("shape " + Arrays.toString(ns) + " has " + known + " elements, " + describe() + " has " + n);
        return ns;
    }

    /** Strides for viewing this layout as {@code ns}, or null when a copy is needed (torch's computeStride). */
    private long[] viewStrides(int[] ns) {
        long[] out = new long[ns.length];
        if (numel() == 0) return contiguousStrides(ns);
        int viewD = ns.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            tensorNumel *= shape[d];
            if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || ns[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= ns[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) { chunkBase = strides[d - 1]; tensorNumel = 1; viewNumel = 1; }
            }
        }
        if (viewD != -1) {
            // leading size-1 dims of the view
            while (viewD >= 0) { if (ns[viewD] != 1) return null; out[viewD] = 1; viewD--; }
        }
        if (shape.length == 0) { for (int i = 0; i < ns.length; i++) out[i] = 1; }
        return out;
    }

    private void checkBlockLayout() {
        int bs = dtype.blockSize();
        if (shape.length == 0) throw new ShapeException(dtype + " tensors need at least one dimension");
        int last = shape.length - 1;
        if (shape[last] % bs != 0 || (shape[last] > 1 && strides[last] != 1) || offset % bs != 0)
            throw new ShapeException(dtype + " tensor " + Arrays.toString(shape) + " must keep whole blocks of " + bs + " contiguous in its last dimension");
        for (int i = 0; i < last; i++) if (strides[i] % bs != 0) throw new ShapeException(dtype + " view would split a block: strides " + Arrays.toString(strides));
    }

    private void checkBounds() {
        if (numel() == 0) return;
        long lo = offset, hi = offset;
        for (int i = 0; i < shape.length; i++) {
            long span = (long) (shape[i] - 1) * strides[i];
            if (span < 0) lo += span; else hi += span;
        }
        if (lo < 0) throw new ShapeException("view starts before its storage: " + describe() + " offset " + offset);
        long end = dtype.isQuantized() ? (hi / dtype.blockSize() + 1) * dtype.blockBytes() : (hi + 1) * dtype.blockBytes();
        if (storage.device().isHost() || storage.byteSize() >= 0) {
            if (end > storage.byteSize()) throw new ShapeException("view " + describe() + " at offset " + offset + " needs " + end + " bytes, storage has " + storage.byteSize());
        }
    }
}
