package dev.codi4j.kernels.cuda;

import dev.codi4j.kernels.gpu.GpuException;

/** A failed CUDA driver or NVRTC call, with the API's error name (e.g. {@code CUDA_ERROR_INVALID_VALUE (1)}). */
public final class CudaException extends GpuException {
    public CudaException(String call, int code, String codeName, String detail) {
        super(call, code, codeName, detail);
    }
}
