package dev.codi4j.tensor;

import dev.codi4j.tensor.ref.ReferenceBackend;
import dev.codi4j.tensor.spi.BackendProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds backends at run time (ServiceLoader), so models never name one. */
public final class Backends {
    private Backends() {}

    private static final Map<Device, Backend> DEFAULTS = new ConcurrentHashMap<>();

    /** All providers on the class path, including the built-in reference. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        list.add(ReferenceBackend.PROVIDER);
        list.add(ReferenceBackend.CPU_FALLBACK);
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) list.add(p);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /**
     * Creates the best available backend called {@code name} ("cpu", "opencl", "cuda", "reference").
     * @throws IllegalArgumentException naming the backends that exist and why the asked one cannot run
     */
    public static Backend create(String name, BackendProvider.Options options) {
        StringBuilder why = new StringBuilder();
        for (BackendProvider p : providers()) {
            if (!p.name().equalsIgnoreCase(name)) continue;
            BackendProvider.Availability a = p.availability();
            if (a.available()) return p.create(options);
            why.append(' ').append(a.reason());
        }
        StringBuilder names = new StringBuilder();
        for (BackendProvider p : providers()) if (names.indexOf(p.name()) < 0) names.append(names.isEmpty() ? "" : ", ").append(p.name());
        throw new IllegalArgumentException("device '" + name + "' is not available." + (why.isEmpty() ? " Known devices: " + names : why.toString()));
    }

    public static Backend create(String name) { return create(name, BackendProvider.Options.defaults()); }

    /** A shared backend for a device, used by {@link Tensor#contiguous()} and similar helpers. */
    public static Backend forDevice(Device device) {
        return DEFAULTS.computeIfAbsent(device, d -> {
            if (d.isHost()) return create("cpu");
            throw new IllegalStateException("no default backend registered for " + d + "; call Backends.register");
        });
    }

    /** Makes {@code backend} the default for its device (GPU backends register themselves when created). */
    public static void register(Backend backend) { DEFAULTS.put(backend.device(), backend); }
}
