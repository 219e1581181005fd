package dev.codi4j.cli;

import dev.codi4j.tensor.Backend;
import dev.codi4j.tensor.Backends;
import dev.codi4j.tensor.spi.BackendProvider;
import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code codi4j devices}: which backends can run here, on which device, and why the others cannot. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the compute devices codi4j can use (the values of --device) and why any of them is unavailable."})
public final class DevicesCommand implements CliCommand, Callable<Integer> {

    @Override public int order() { return 90; }

    @Override public Integer call() {
        PrintStream out = System.out;
        Set<String> seen = new LinkedHashSet<>();
        for (BackendProvider p : Backends.providers()) {
            if (!seen.add(p.name())) continue; // the best provider of each name is the one --device gets
            BackendProvider.Availability a = p.availability();
            if (!a.available()) {
                out.printf("%-10s unavailable: %s%n", p.name(), a.reason());
                continue;
            }
            String what;
            try (Backend b = p.create(BackendProvider.Options.defaults())) {
                // GPU backends describe their device and driver; host backends say how many threads they use
                what = b.device().isHost() ? b.device() + ", " + b.threads() + " threads" : b.toString();
            } catch (RuntimeException e) {
                what = "listed but failed to start: " + e.getMessage();
            }
            out.printf("%-10s %s%n", p.name(), what);
        }
        return 0;
    }
}
