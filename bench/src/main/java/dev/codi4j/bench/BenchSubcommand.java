package dev.codi4j.bench;

/**
 * A subcommand of {@code codi4j bench}: a picocli {@code @Command} class registered in
 * {@code META-INF/services/dev.codi4j.bench.BenchSubcommand}.
 */
public interface BenchSubcommand {
    /** Sort key for --help listings (lower first). */
    default int order() { return 100; }
}
