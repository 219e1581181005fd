package dev.codi4j.kernels.gpu;

/** The device ran out of memory even after the pool returned its cached buffers. */
public final class GpuOutOfMemoryException extends GpuException {
    public GpuOutOfMemoryException(String message, Throwable cause) { super(message, cause); }
}
