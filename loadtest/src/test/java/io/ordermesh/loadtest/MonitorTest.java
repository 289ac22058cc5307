package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitorTest {

    @TempDir
    Path pids;

    @Test
    void readsThePidTheLauncherRecordsWithItsStartTicksAndThenItsMemory() throws IOException {
        long self = ProcessHandle.current().pid();
        Files.writeString(pids.resolve("csv-processor.pid"), self + " 8056219\n");
        assertEquals(self, Monitor.pidFromDir(pids, "csv-processor"));
        assertTrue(Monitor.procStatus(self).getOrDefault("VmRSS", 0L) > 0, "this JVM's resident memory is readable");
    }

    @Test
    void aMissingGarbledOrDeadPidFileNamesNoProcess() throws IOException {
        assertNull(Monitor.pidFromDir(pids, "oms-api"));
        Files.writeString(pids.resolve("ims-api.pid"), "not a pid");
        assertNull(Monitor.pidFromDir(pids, "ims-api"));
        Files.writeString(pids.resolve("order-finalizer.pid"), Long.MAX_VALUE / 2 + " 1");
        assertNull(Monitor.pidFromDir(pids, "order-finalizer"));
    }
}
