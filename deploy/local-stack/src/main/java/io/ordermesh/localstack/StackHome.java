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
     * its pid then be given to another: a process that started after the file was written is not
     * the one it names (trusting it made {@code up} wait for a server that was never started, and
     * would make {@code down} stop a stranger).
     */
    Optional<ProcessHandle> process(String name) {
        Path f = pidFile(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(f).trim());
            // The file is written right after the spawn; the start time known to the JDK is only
            // exact to about a second (boot time in whole seconds), hence the slack.
            Instant written = Files.getLastModifiedTime(f).toInstant().plus(START_SLACK);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().startInstant().map(started -> !started.isAfter(written)).orElse(true));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    void writePid(String name, long pid) {
        try {
            Files.createDirectories(pidFile(name).getParent());
            Files.writeString(pidFile(name), Long.toString(pid));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
