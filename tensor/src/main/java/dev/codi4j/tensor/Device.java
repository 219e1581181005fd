package dev.codi4j.tensor;

/** Where a tensor's memory lives. CPU memory is addressable as a {@link java.lang.foreign.MemorySegment}. */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, OPENCL, CUDA, OTHER }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public boolean isHost() { return kind == Kind.CPU; }

    @Override public String toString() { return kind == Kind.CPU ? "cpu" : kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + index; }
}
