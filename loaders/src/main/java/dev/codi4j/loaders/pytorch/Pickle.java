package dev.codi4j.loaders.pytorch;

import java.util.List;

/** The Python values a restricted unpickle can produce, besides String, Long, BigInteger, Double, Boolean, byte[], List (list), Map (dict). */
public final class Pickle {
    private Pickle() {}

    /** Python's None. */
    public enum None { NONE; @Override public String toString() { return "None"; } }

    /** A tuple (immutable, unlike a list). */
    public record Tuple(List<Object> items) {
        public Tuple { items = List.copyOf(items); }
        public int size() { return items.size(); }
        public Object get(int i) { return items.get(i); }
    }

    /** A reference to an allowed global (a class or function); never resolved to code. */
    public record Global(String module, String name) {
        @Override public String toString() { return module + "." + name; }
    }

    /** A storage named by a {@code persistent_load} id: its element type and archive key. */
    public record StorageRef(String storageType, String key, String location, long numel) {}

    /** A tensor as {@code torch._utils._rebuild_tensor_v2} describes it (offset and strides in elements). */
    public record TensorRef(StorageRef storage, long offset, int[] shape, long[] strides) {}
}
