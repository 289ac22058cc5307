package io.ordermesh.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The directory that holds the stack's data, logs and pid files (`.local/` for developers). */
record StackHome(Path root) {

    private static final Duration START_SLACK = Duration.ofSeconds(2);

    StackHome {
        root = root.toAbsolutePath().normalize();
    }

    Path data(Component c) {
        return root.resolve("data").resolve(c.id());
    }

    Path log(Component c) {
        return log(c.id());
    }

    Path log(String name) {
        return root.resolve("logs").resolve(name + ".log");
    }

    Path pidFile(String name) {
        return root.resolve("pids").resolve(name + ".pid");
    }

    Path bin() {
        return root.resolve("bin");
    }

    /**
     * The live process a pid file names. A pid file can outlive its process (a crash, a reboot), and
     * its pid then be given to another (trusting it made {@code up} wait for a server that was never
     * started, and would make {@code down} stop a stranger). So the file also records when its
     * process started, as the kernel counts it (clock ticks since boot, immune to clock steps), and
     * names only a process with that start. A file without it (older launchers, no {@code /proc})
     * names only a process that started before the file was written.
     */
    Optional<ProcessHandle> process(String name) {
        Path f = pidFile(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            String[] recorded = Files.readString(f).trim().split("\\s+");
            long pid = Long.parseLong(recorded[0]);
            Optional<ProcessHandle> live = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            Optional<String> started = startTicks(pid);
            if (recorded.length > 1 && started.isPresent()) {
                return live.filter(h -> recorded[1].equals(started.get()));
            }
            // The JDK's start time is only exact to about a second (boot time in whole seconds), hence the slack.
            Instant written = Files.getLastModifiedTime(f).toInstant().plus(START_SLACK);
            return live.filter(h -> h.info().startInstant().map(at -> !at.isAfter(written)).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    void writePid(String name, long pid) {
        try {
            Files.createDirectories(pidFile(name).getParent());
            Files.writeString(pidFile(name), pid + startTicks(pid).map(ticks -> " " + ticks).orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When a process started, in clock ticks since boot: field 22 of {@code /proc/<pid>/stat} (Linux only). */
    static Optional<String> startTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Optional.of(fields[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    void clearPid(String name) {
        try {
            Files.deleteIfExists(pidFile(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
