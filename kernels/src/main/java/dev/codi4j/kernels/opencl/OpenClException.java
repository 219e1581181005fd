package dev.codi4j.kernels.opencl;

import dev.codi4j.kernels.gpu.GpuException;

/** A failed OpenCL call, with the CL error's name (e.g. {@code CL_INVALID_KERNEL_ARGS (-52)}). */
public final class OpenClException extends GpuException {
    public OpenClException(String call, int code, String detail) {
        super(call, code, ClErrors.name(code), detail);
    }
}
