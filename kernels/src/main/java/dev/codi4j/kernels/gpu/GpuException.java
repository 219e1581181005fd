package dev.codi4j.kernels.gpu;

/**
 * A failed call into a GPU API (OpenCL or the CUDA driver / NVRTC): names the call, the API's error
 * name and code, and what the call was doing, so a report can be acted on without a debugger.
 */
public class GpuException extends RuntimeException {
    private final String call;
    private final int code;
    private final String codeName;

    public GpuException(String call, int code, String codeName, String detail) {
        super(call + " failed: " + codeName + " (" + code + ")" + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.code = code;
        this.codeName = codeName;
    }

    public GpuException(String message, Throwable cause) {
        super(message, cause);
        this.call = "";
        this.code = 0;
        this.codeName = "";
    }

    /** The API function that failed, e.g. {@code clEnqueueNDRangeKernel}. */
    public String call() { return call; }

    /** The API's numeric error code (CL_* or CUresult / nvrtcResult). */
    public int code() { return code; }

    /** The symbolic name of {@link #code()}, e.g. {@code CL_OUT_OF_RESOURCES}. */
    public String codeName() { return codeName; }
}
