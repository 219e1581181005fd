package dev.codi4j.kernels.opencl;

import dev.codi4j.kernels.gpu.GpuBackend;
import dev.codi4j.tensor.Backends;

/**
 * The op interface on an OpenCL device: the shared GPU kernels compiled as OpenCL C. Creating it makes
 * it the default backend of its device ({@link Backends#register}), so {@code Tensor.contiguous()}
 * on its tensors runs here.
 */
public final class OpenClBackend extends GpuBackend {
    public OpenClBackend(int deviceIndex) {
        super("opencl", new OpenClRuntime(deviceIndex));
        Backends.register(this);
    }

    /** The OpenCL runtime (device, context, queue). */
    public OpenClRuntime openCl() { return (OpenClRuntime) runtime(); }
}
