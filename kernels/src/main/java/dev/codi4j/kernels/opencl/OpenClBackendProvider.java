package dev.codi4j.kernels.opencl;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.spi.BackendProvider;
import java.util.List;

/**
 * Registers {@link OpenClBackend} as "opencl". Available when an OpenCL ICD loader and at least one
 * 64-bit device are present; otherwise {@link #availability()} says which is missing and how to
 * install it. Never fails the JVM when OpenCL is absent.
 */
public final class OpenClBackendProvider implements BackendProvider {
    @Override public String name() { return "opencl"; }

    @Override public int priority() { return 100; }

    @Override public Availability availability() {
        try {
            OpenCl cl = OpenCl.load();
            List<OpenClRuntime.ClDevice> devices = OpenClRuntime.devices(cl);
            return devices.isEmpty() ? Availability.no(OpenClRuntime.noDeviceReason(cl)) : Availability.yes();
        } catch (OpenCl.UnavailableException e) {
            return Availability.no(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("OpenCL could not be queried: " + e);
        }
    }

    @Override public Backend create(Options options) { return new OpenClBackend(Math.max(0, options.deviceIndex())); }
}
