package dev.codi4j.cli;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.spi.BackendProvider;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --device} and {@code --threads}, the options every command that computes shares: mix them in
 * with {@code @Mixin DeviceOptions device;} and call {@link #create()} once at start-up. The backend is
 * found by name through {@link Backends#create}, so a new backend (a TornadoVM one, say) needs no
 * change here. {@code CODI4J_DEVICE} sets the default device.
 */
public final class DeviceOptions {

    /** Device names offered to shell completion; the list of what can actually run is {@code codi4j devices}. */
    static final class Names implements Iterable<String> {
        @Override public Iterator<String> iterator() { return List.of("cpu", "opencl", "cuda", "reference").iterator(); }
    }

    @Option(names = "--device", paramLabel = "NAME", defaultValue = "${env:CODI4J_DEVICE:-cpu}", completionCandidates = Names.class,
            description = {"Where the ops run: cpu, opencl or cuda (also reference, the slow scalar oracle); add :N to pick the N-th GPU,",
                    "e.g. opencl:1. 'codi4j devices' lists what this machine has (default: ${DEFAULT-VALUE})"})
    String device = "cpu";

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "CPU worker threads for --device cpu; 0 = all cores (default: ${DEFAULT-VALUE})")
    int threads;

    /** The backend name without a device index ("opencl" for "opencl:1"). */
    public String name() { return parse()[0]; }

    /** The device index ("opencl:1" → 1; 0 when none is given). */
    public int index() { return Integer.parseInt(parse()[1]); }

    public int threads() { return threads; }

    private String[] parse() {
        String d = device == null ? "cpu" : device.trim().toLowerCase(Locale.ROOT);
        int colon = d.indexOf(':');
        if (colon < 0) return new String[] {d, "0"};
        String idx = d.substring(colon + 1);
        if (!idx.matches("\\d{1,4}")) throw new IllegalArgumentException("--device " + device + ": the part after ':' must be a device number, e.g. opencl:1");
        return new String[] {d.substring(0, colon), idx};
    }

    /** The options as {@link BackendProvider.Options}. */
    public BackendProvider.Options options() {
        if (threads < 0) throw new IllegalArgumentException("--threads must be 0 (all cores) or positive, got " + threads);
        return new BackendProvider.Options(threads, index());
    }

    /**
     * Creates the backend; close it when done.
     * @throws IllegalArgumentException naming the devices that exist and why the asked one cannot run
     */
    public Backend create() {
        BackendProvider.Options o = options();
        try {
            return Backends.create(name(), o);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--device " + device + ": " + e.getMessage() + " Run 'codi4j devices' to see what this machine offers.", e);
        }
    }

    @Override public String toString() { return device + (threads > 0 ? " (" + threads + " threads)" : ""); }
}
