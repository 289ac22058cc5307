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

    @org.junit.jupiter.api.BeforeEach
    void pidDirectory() throws IOException {
        Files.createDirectories(root.resolve("pids"));
    }
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
        assertEquals(p.pid() + " " + StackHome.startTicks(p.pid()).orElseThrow(), Files.readString(home.pidFile("sqs")));
        // Even long after: the start time, not the file's age, says which process it is.
        Files.setLastModifiedTime(home.pidFile("sqs"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        assertEquals(p.pid(), home.process("sqs").orElseThrow().pid());

        p.destroyForcibly();
        p.onExit().join();
        assertTrue(home.process("sqs").isEmpty(), "a dead process is not running");
    }

    @Test
    void aStalePidFileWhosePidNowBelongsToAnotherProcessNamesNothing() throws IOException {
        StackHome home = new StackHome(root);
        // Written for a process long gone (another start time); its pid has since gone to a newer one.
        Process newer = sleeper();
        String ticks = StackHome.startTicks(newer.pid()).orElseThrow();
        Files.writeString(home.pidFile("sqs"), newer.pid() + " " + (Long.parseLong(ticks) - 1000));

        assertTrue(newer.isAlive());
        assertTrue(home.process("sqs").isEmpty(), "a process with another start time is not the one the file names");
    }

    @Test
    void aPidFileWithoutStartTimeNamesOnlyAProcessStartedBeforeItWasWritten() throws IOException {
        StackHome home = new StackHome(root);
        Process p = sleeper();
        Files.writeString(home.pidFile("kafka"), Long.toString(p.pid())); // as launchers before the start time wrote it
        assertEquals(p.pid(), home.process("kafka").orElseThrow().pid());

        Files.setLastModifiedTime(home.pidFile("kafka"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        assertTrue(home.process("kafka").isEmpty(), "a process started after its pid file was written is not the one it names");
    }
}
