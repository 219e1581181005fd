package dev.codi4j.loaders.gguf;

import dev.codi4j.loaders.weights.WeightsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One GGUF metadata value: a scalar, a string, or an array (of scalars, strings or arrays). Typed
 * accessors convert between compatible types (any integer to long/int when it fits, any number to
 * float/double) and otherwise throw a {@link WeightsException} naming the key, the wanted and the
 * stored type. Values are plain heap objects: they stay valid after the file is closed.
 */
public final class GgufValue {
    private final String key;
    private final GgufValueType type;
    private final Object scalar;           // Long (integers, u64 as raw bits), Float, Double, Boolean or String
    private final GgufValueType elementType;
    private final byte[] numbers;          // little-endian elements of a numeric/bool array
    private final int length;
    private final List<Object> objects;    // String or GgufValue elements of string/nested arrays

    private GgufValue(String key, GgufValueType type, Object scalar, GgufValueType elementType, byte[] numbers, int length, List<Object> objects) {
        this.key = key;
        this.type = type;
        this.scalar = scalar;
        this.elementType = elementType;
        this.numbers = numbers;
        this.length = length;
        this.objects = objects;
    }

    static GgufValue scalar(String key, GgufValueType type, Object v) { return new GgufValue(key, type, v, null, null, 0, null); }

    static GgufValue numericArray(String key, GgufValueType et, byte[] data, int n) { return new GgufValue(key, GgufValueType.ARRAY, null, et, data, n, null); }

    static GgufValue objectArray(String key, GgufValueType et, List<Object> items) { return new GgufValue(key, GgufValueType.ARRAY, null, et, null, items.size(), items); }

    // ---- constructors for writers ------------------------------------------------------------

    public static GgufValue ofString(String v) { return scalar("", GgufValueType.STRING, v); }
    public static GgufValue ofU32(long v) { return scalar("", GgufValueType.UINT32, v & 0xFFFFFFFFL); }
    public static GgufValue ofI32(int v) { return scalar("", GgufValueType.INT32, (long) v); }
    public static GgufValue ofU64(long v) { return scalar("", GgufValueType.UINT64, v); }
    public static GgufValue ofI64(long v) { return scalar("", GgufValueType.INT64, v); }
    public static GgufValue ofF32(float v) { return scalar("", GgufValueType.FLOAT32, v); }
    public static GgufValue ofF64(double v) { return scalar("", GgufValueType.FLOAT64, v); }
    public static GgufValue ofBool(boolean v) { return scalar("", GgufValueType.BOOL, v); }
    /** A scalar of any numeric type, e.g. (UINT8, 7). */
    public static GgufValue ofNumber(GgufValueType t, Number v) {
        if (!t.isScalarNumber()) throw new IllegalArgumentException(t + " is not a number type");
        Object o = t == GgufValueType.FLOAT32 ? (Object) v.floatValue() : t == GgufValueType.FLOAT64 ? (Object) v.doubleValue() : (Object) v.longValue();
        return scalar("", t, o);
    }
    public static GgufValue ofStrings(List<String> v) { return objectArray("", GgufValueType.STRING, new ArrayList<>(v)); }
    public static GgufValue ofF32s(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return numericArray("", GgufValueType.FLOAT32, b.array(), v.length);
    }
    public static GgufValue ofI32s(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) b.putInt(x);
        return numericArray("", GgufValueType.INT32, b.array(), v.length);
    }
    /** An array of arrays (rare; GGUF allows it). */
    public static GgufValue ofArrays(List<GgufValue> arrays) { return objectArray("", GgufValueType.ARRAY, new ArrayList<>(arrays)); }

    // ---- accessors ---------------------------------------------------------------------------

    public GgufValueType type() { return type; }
    public boolean isArray() { return type == GgufValueType.ARRAY; }
    /** Type of the elements of an array, or null for a scalar. */
    public GgufValueType elementType() { return elementType; }
    /** Number of elements of an array. */
    public int size() { return isArray() ? length : 1; }

    private WeightsException wrong(String wanted) {
        String what = isArray() ? "ARRAY of " + length + " " + elementType : type.toString();
        return new WeightsException("GGUF metadata '" + key + "' is " + what + ", not " + wanted + "; the file was written for another model or tool");
    }

    public String asString() {
        if (type != GgufValueType.STRING) throw wrong("a string");
        return (String) scalar;
    }

    public boolean asBoolean() {
        if (type != GgufValueType.BOOL) throw wrong("a bool");
        return (Boolean) scalar;
    }

    /** Any integer type; UINT64 values above Long.MAX_VALUE are an error. */
    public long asLong() {
        if (!(scalar instanceof Long l)) throw wrong("an integer");
        if (type == GgufValueType.UINT64 && l < 0) throw new WeightsException("GGUF metadata '" + key + "' = " + Long.toUnsignedString(l) + " does not fit in a signed 64-bit integer");
        return l;
    }

    public int asInt() {
        long v = asLong();
        if (v != (int) v) throw new WeightsException("GGUF metadata '" + key + "' = " + v + " does not fit in an int");
        return (int) v;
    }

    public double asDouble() {
        if (scalar instanceof Float f) return f;
        if (scalar instanceof Double d) return d;
        if (scalar instanceof Long) return type == GgufValueType.UINT64 ? Double.parseDouble(Long.toUnsignedString((Long) scalar)) : (Long) scalar;
        throw wrong("a number");
    }

    public float asFloat() { return (float) asDouble(); }

    public List<String> asStringList() {
        if (!isArray() || elementType != GgufValueType.STRING) throw wrong("an array of strings");
        List<String> out = new ArrayList<>(length);
        for (Object o : objects) out.add((String) o);
        return out;
    }

    /** Nested arrays. */
    public List<GgufValue> asArrayList() {
        if (!isArray() || elementType != GgufValueType.ARRAY) throw wrong("an array of arrays");
        List<GgufValue> out = new ArrayList<>(length);
        for (Object o : objects) out.add((GgufValue) o);
        return out;
    }

    private ByteBuffer nums(String wanted) {
        if (!isArray() || numbers == null) throw wrong(wanted);
        return ByteBuffer.wrap(numbers).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** An integer array (any integer element type) as longs; UINT64 elements are raw bits. */
    public long[] asLongArray() {
        ByteBuffer b = nums("an integer array");
        long[] out = new long[length];
        for (int i = 0; i < length; i++) out[i] = switch (elementType) {
            case UINT8 -> b.get(i) & 0xFF;
            case INT8 -> b.get(i);
            case UINT16 -> b.getShort(2 * i) & 0xFFFF;
            case INT16 -> b.getShort(2 * i);
            case UINT32 -> b.getInt(4 * i) & 0xFFFFFFFFL;
            case INT32 -> b.getInt(4 * i);
            case UINT64, INT64 -> b.getLong(8 * i);
            default -> throw wrong("an integer array");
        };
        return out;
    }

    public int[] asIntArray() {
        long[] l = asLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] != (int) l[i]) throw new WeightsException("GGUF metadata '" + key + "'[" + i + "] = " + l[i] + " does not fit in an int");
            out[i] = (int) l[i];
        }
        return out;
    }

    public float[] asFloatArray() {
        ByteBuffer b = nums("a float array");
        float[] out = new float[length];
        if (elementType == GgufValueType.FLOAT32) { for (int i = 0; i < length; i++) out[i] = b.getFloat(4 * i); return out; }
        if (elementType == GgufValueType.FLOAT64) { for (int i = 0; i < length; i++) out[i] = (float) b.getDouble(8 * i); return out; }
        if (elementType == GgufValueType.BOOL) throw wrong("a float array");
        long[] l = asLongArray();
        for (int i = 0; i < length; i++) out[i] = l[i];
        return out;
    }

    public boolean[] asBooleanArray() {
        if (elementType != GgufValueType.BOOL) throw wrong("a bool array");
        ByteBuffer b = nums("a bool array");
        boolean[] out = new boolean[length];
        for (int i = 0; i < length; i++) out[i] = b.get(i) != 0;
        return out;
    }

    /** Element bytes of a numeric array, little-endian (for writers). */
    byte[] rawNumbers() { return numbers; }
    List<Object> rawObjects() { return objects; }
    Object rawScalar() { return scalar; }

    GgufValue withKey(String k) { return new GgufValue(k, type, scalar, elementType, numbers, length, objects); }

    @Override public String toString() {
        if (!isArray()) return type == GgufValueType.UINT64 ? Long.toUnsignedString((Long) scalar) : String.valueOf(scalar);
        StringBuilder b = new StringBuilder("[");
        int show = Math.min(length, 8);
        for (int i = 0; i < show; i++) {
            if (i > 0) b.append(", ");
            if (objects != null) b.append(objects.get(i) instanceof String s ? '"' + s + '"' : objects.get(i));
            else if (elementType == GgufValueType.FLOAT32 || elementType == GgufValueType.FLOAT64) b.append(asFloatArray()[i]);
            else if (elementType == GgufValueType.BOOL) b.append(numbers[i] != 0);
            else b.append(asLongArray()[i]);
        }
        if (length > show) b.append(", ... (").append(length).append(" items)");
        return b.append(']').toString();
    }

    @Override public boolean equals(Object o) {
        if (!(o instanceof GgufValue v)) return false;
        return type == v.type && elementType == v.elementType && length == v.length && java.util.Objects.equals(scalar, v.scalar)
                && Arrays.equals(numbers, v.numbers) && java.util.Objects.equals(objects, v.objects);
    }

    @Override public int hashCode() { return java.util.Objects.hash(type, elementType, length, scalar); }
}
