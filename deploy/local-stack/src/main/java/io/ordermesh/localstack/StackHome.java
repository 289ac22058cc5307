package io.ordermesh.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The directory that holds the stack's data, logs and pid files (`.local/` for developers). */
record StackHome(Path root) {

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

    Optional<ProcessHandle> process(String name) {
        Path f = pidFile(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(f).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
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
