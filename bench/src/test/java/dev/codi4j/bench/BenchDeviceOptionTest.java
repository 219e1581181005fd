package dev.codi4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.cli.DeviceOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Issue 9: every command that computes takes --device; each bench subcommand carries the shared DeviceOptions mixin. */
class BenchDeviceOptionTest {

    static final List<String> COMPUTING = List.of("kernels", "llm", "imagebind", "diffusion");

    @Test void everyBenchCommandTakesDeviceAndThreads() {
        Map<String, CommandLine> subs = new CommandLine(new BenchCommand()).getSubcommands();
        assertTrue(subs.keySet().containsAll(COMPUTING), subs.keySet().toString());
        for (String name : subs.keySet()) {
            if (!COMPUTING.contains(name)) continue;
            CommandLine sub = subs.get(name);
            OptionSpec device = sub.getCommandSpec().findOption("--device");
            assertNotNull(device, "bench " + name + " has no --device");
            assertNotNull(sub.getCommandSpec().findOption("--threads"), "bench " + name + " has no --threads");
            assertTrue(sub.getCommandSpec().mixins().values().stream().anyMatch(m -> m.userObject() instanceof DeviceOptions),
                    "bench " + name + " does not use the shared DeviceOptions mixin");
            String env = System.getenv("CODI4J_DEVICE");
            assertEquals(env == null || env.isEmpty() ? "cpu" : env, device.defaultValue(), "bench " + name + ": --device should default to $CODI4J_DEVICE or cpu");
            StringWriter help = new StringWriter();
            sub.usage(new PrintWriter(help, true));
            assertTrue(help.toString().contains("--device=NAME"), "bench " + name + " --help:\n" + help);
        }
    }

    @Test void theDeviceIsParsedIntoTheMixin() {
        for (String name : COMPUTING) {
            CommandLine cl = new CommandLine(new BenchCommand());
            CommandLine.ParseResult pr = cl.parseArgs(name, "--device", "opencl:1", "--threads", "3");
            CommandLine sub = pr.subcommand().commandSpec().commandLine();
            DeviceOptions d = (DeviceOptions) sub.getCommandSpec().mixins().values().stream()
                    .filter(m -> m.userObject() instanceof DeviceOptions).findFirst().orElseThrow().userObject();
            assertEquals("opencl", d.name(), name);
            assertEquals(1, d.index(), name);
            assertEquals(3, d.threads(), name);
        }
    }

    @Test void theQuickSizeOptionsExist() {
        Map<String, CommandLine> subs = new CommandLine(new BenchCommand()).getSubcommands();
        for (String name : COMPUTING) assertNotNull(subs.get(name).getCommandSpec().findOption("--size"), "bench " + name + " has no --size");
        assertFalse(subs.containsKey("download"));
    }
}
