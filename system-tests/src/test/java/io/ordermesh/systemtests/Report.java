package io.ordermesh.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts and timings per scenario: each scenario adds its phases as it goes and prints the report
 * so far when it ends (the last one printed is the whole run's); also written to
 * {@code system-tests/target/system-tests-report.txt}.
 */
public final class Report {

    private static final List<String> LINES = new ArrayList<>();
    private static final Path FILE = Path.of("target/system-tests-report.txt");

    private final String scenario;
    private final long start = System.nanoTime();
    private long phaseStart = System.nanoTime();

    private Report(String scenario) {
        this.scenario = scenario;
    }

    public static Report begin(String scenario) {
        Report r = new Report(scenario);
        r.add(String.format("== %s (scale %s)", scenario, Scale.FACTOR));
        return r;
    }

    /** Records a phase that ended now: its name and seconds since the previous phase ended. */
    public double phase(String what) {
        long now = System.nanoTime();
        double s = (now - phaseStart) / 1e9;
        phaseStart = now;
        add(String.format("   %-58s %8.1f s", what, s));
        return s;
    }

    public void note(String what) {
        add("   " + what);
    }

    public void end(boolean passed) {
        add(String.format("   %s in %.1f s", passed ? "PASSED" : "FAILED", (System.nanoTime() - start) / 1e9));
        print();
    }

    private synchronized void add(String line) {
        synchronized (LINES) {
            LINES.add(line);
        }
        try {
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void print() {
        synchronized (LINES) {
            System.out.println("\n===== Ordermesh system tests: report so far =====");
            LINES.forEach(System.out::println);
            System.out.println("==================================================\n");
        }
    }
}
