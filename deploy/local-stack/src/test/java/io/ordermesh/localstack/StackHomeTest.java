package io.ordermesh.localstack;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pid files name real, live processes: the one started from the stack home, never a later owner of the pid. */
class StackHomeTest {

    @TempDir
    Path root;
    private final List<Process> spawned = new ArrayList<>();

    @AfterEach
    void killSpawned() {
        spawned.forEach(Process::destroyForcibly);
    }

    private Process sleeper() throws IOException {
        Process p = new ProcessBuilder("sleep", "60").start();
        spawned.add(p);
        return p;
    }

    @Test
    void aPidFileNamesTheProcessItWasWrittenFor() throws IOException {
        StackHome home = new StackHome(root);
        Process p = sleeper();
        home.writePid("sqs", p.pid());
        assertEquals(p.pid(), home.process("sqs").orElseThrow().pid());

        p.destroyForcibly();
        p.onExit().join();
        assertTrue(home.process("sqs").isEmpty(), "a dead process is not running");
    }

    @Test
    void aStalePidFileWhosePidNowBelongsToAnotherProcessNamesNothing() throws IOException {
        StackHome home = new StackHome(root);
        // Left behind an hour ago by a process long gone; its pid has since gone to a newer process.
        Process newer = sleeper();
        home.writePid("sqs", newer.pid());
        Files.setLastModifiedTime(home.pidFile("sqs"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));

        assertTrue(newer.isAlive());
        assertTrue(home.process("sqs").isEmpty(), "a process started after its pid file was written is not the one it names");
    }
}
