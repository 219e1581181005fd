package dev.codi4j.cli;

/**
 * A subcommand of {@code codi4j}, found with {@link java.util.ServiceLoader} (register in
 * {@code META-INF/services/dev.codi4j.cli.CliCommand}). Implementations are picocli
 * {@code @Command} classes; modules that may not be imported by {@code samples} (such as
 * {@code bench}) add their commands this way.
 */
public interface CliCommand {
    /** Sort key for --help listings (lower first). */
    default int order() { return 100; }
}
