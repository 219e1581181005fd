package dev.codi4j.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code codi4j} command line. */
@Command(name = "codi4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"CoDi-2 any-to-any multimodal generation in pure Java.", ""},
        footer = {"", "Run 'codi4j COMMAND --help' for the options of a command."})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        List<CliCommand> cmds = new ArrayList<>();
        ServiceLoader.load(CliCommand.class).forEach(cmds::add);
        cmds.sort(Comparator.comparingInt(CliCommand::order).thenComparing(c -> c.getClass().getSimpleName()));
        // a CommandLine built here (not by addSubcommand) applies the command's model transformer, which lets a
        // command such as `bench` discover its own subcommands
        for (CliCommand c : cmds) cl.addSubcommand(new CommandLine(c));
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            // typed, explained errors print as one message; anything else keeps its stack trace for bug reports
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException || ex instanceof IllegalStateException) {
                line.getErr().println("codi4j: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }


    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"codi4j " + (v == null ? "0.1.0-SNAPSHOT" : v), "Java " + Runtime.version()};
        }
    }
}
