package io.ordermesh.loadtest;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar loadtest/target/loadtest.jar <command> [options]}: drives a running suite and writes a report. */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "loadtest 1.0",
        description = "Stress and benchmark tool for a running Ordermesh suite (./ordermesh up).",
        subcommands = {OrdersCommand.class, CsvCommand.class, OversellCommand.class, LimitsCommand.class, CommandLine.HelpCommand.class})
public final class LoadTest {

    public static void main(String[] args) {
        // The clients' INFO lines would bury the progress line.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(run(args));
    }

    /** Runs one command in this JVM and answers its exit code (0 = every check passed). */
    public static int run(String... args) {
        return new CommandLine(new LoadTest()).execute(args);
    }
}
