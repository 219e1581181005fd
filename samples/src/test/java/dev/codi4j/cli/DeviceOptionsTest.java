package dev.codi4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codi4j.tensor.Backend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The shared --device/--threads mixin and 'codi4j devices'. */
class DeviceOptionsTest {
    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @Mixin DeviceOptions device;
        @Override public Integer call() { return 0; }
    }

    static DeviceOptions parse(String... args) {
        Probe p = new Probe();
        new CommandLine(p).parseArgs(args);
        return p.device;
    }

    @Test void parsesNameIndexAndThreads() {
        DeviceOptions d = parse("--device", "OpenCL:1", "--threads", "3");
        assertEquals("opencl", d.name());
        assertEquals(1, d.index());
        assertEquals(3, d.options().threads());
        assertEquals(1, d.options().deviceIndex());
        DeviceOptions def = parse();
        assertEquals(System.getenv().getOrDefault("CODI4J_DEVICE", "cpu"), def.name() + (def.index() > 0 ? ":" + def.index() : ""));
    }

    @Test void createsTheNamedBackendOrExplainsWhyNot() {
        try (Backend b = parse("--device", "reference").create()) {
            assertEquals("reference", b.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--device", "tpu").create());
        assertTrue(e.getMessage().contains("--device tpu") && e.getMessage().contains("cpu") && e.getMessage().contains("codi4j devices"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("--device", "opencl:x").create());
        assertThrows(IllegalArgumentException.class, () -> parse("--threads", "-2").create());
    }

    @Test void devicesCommandListsEveryBackendWithAReasonWhenAbsent() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.commandLine().execute("devices");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        for (String name : new String[] {"cpu", "opencl", "cuda", "reference"}) assertTrue(out.lines().anyMatch(l -> l.startsWith(name + " ")), name + " listed:\n" + out);
        assertTrue(out.lines().filter(l -> l.startsWith("cuda")).allMatch(l -> l.contains("unavailable: ") || l.contains("cuda:")), out);
    }
}
