package dev.codi4j.bench;

import dev.codi4j.cli.CliCommand;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code codi4j bench}: benchmarks that print each result next to its ceiling (memory bandwidth or
 * FMA peak) or a peer, all measured in the same run. Its subcommands ({@code kernels}, and later
 * {@code llm}, {@code imagebind}, {@code diffusion}) are {@link BenchSubcommand}s found with
 * {@link ServiceLoader}, so adding one never touches this class.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, modelTransformer = BenchCommand.Subcommands.class,
        description = {"Benchmarks against measured rooflines and peers (same run).", ""},
        footer = {"", "Run 'codi4j bench COMMAND --help' for the options of a benchmark."})
public final class BenchCommand implements CliCommand, Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public int order() { return 900; }

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** Adds every registered {@link BenchSubcommand} while picocli builds the command model. */
    public static final class Subcommands implements CommandLine.IModelTransformer {
        @Override public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec spec) {
            List<BenchSubcommand> subs = new ArrayList<>();
            ServiceLoader.load(BenchSubcommand.class).forEach(subs::add);
            subs.sort(Comparator.comparingInt(BenchSubcommand::order).thenComparing(s -> s.getClass().getSimpleName()));
            for (BenchSubcommand s : subs) {
                CommandLine sub = new CommandLine(s);
                if (!spec.subcommands().containsKey(sub.getCommandName())) spec.addSubcommand(sub.getCommandName(), sub);
            }
            return spec;
        }
    }
}
