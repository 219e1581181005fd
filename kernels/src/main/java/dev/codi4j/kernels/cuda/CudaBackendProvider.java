package dev.codi4j.kernels.cuda;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.spi.BackendProvider;

/**
 * Registers {@link CudaBackend} as "cuda". Available when the NVIDIA driver ({@code libcuda.so.1})
 * initialises, sees a GPU, and NVRTC is installed; otherwise {@link #availability()} names what is
 * missing. Never fails the JVM when CUDA is absent.
 */
public final class CudaBackendProvider implements BackendProvider {
    @Override public String name() { return "cuda"; }

    @Override public int priority() { return 100; }

    @Override public Availability availability() {
        try {
            CudaDriver.load();
            Nvrtc.load();
            return Availability.yes();
        } catch (CudaDriver.CudaUnavailableException e) {
            return Availability.no(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("CUDA could not be queried: " + e);
        }
    }

    @Override public Backend create(Options options) { return new CudaBackend(Math.max(0, options.deviceIndex())); }
}
