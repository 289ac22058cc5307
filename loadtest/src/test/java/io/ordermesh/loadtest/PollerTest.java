package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PollerTest {

    private static final double EVERY_SECONDS = 0.02;

    private final AtomicInteger scans = new AtomicInteger();
    /** Each count answers how many counts there have been, so the latest one is recognisable. */
    private final Supplier<Outcomes.Counts> counts = () -> {
        int n = scans.incrementAndGet();
        return new Outcomes.Counts(n, 0, n);
    };

    @Test
    void countsOnlyWhenTheRunningFigureStoodStill() {
        AtomicBoolean moving = new AtomicBoolean(true);
        AtomicLong figure = new AtomicLong();
        LongSupplier growing = () -> moving.get() ? figure.incrementAndGet() : figure.get();
        try (Poller poller = new Poller(counts, EVERY_SECONDS, growing, 200)) {
            waitUntil(() -> figure.get() >= 20);
            assertEquals(0, scans.get(), "a growing figure needs no scan of the orders");
            assertTrue(poller.firstDecidedNanos() > 0, "the figure times the first decision");

            moving.set(false);
            long stopped = System.nanoTime();
            waitUntil(() -> poller.latest().decided() >= 3);
            assertTrue(System.nanoTime() - stopped >= 200_000_000L, "counting resumed only once the figure stood still for 200 ms");
        }
    }

    @Test
    void countsEveryPollWithoutAReadableFigure() {
        try (Poller unreadable = new Poller(counts, EVERY_SECONDS, () -> -1)) {
            waitUntil(() -> scans.get() >= 4);
        }
        scans.set(0);
        try (Poller countsOnly = new Poller(counts, EVERY_SECONDS)) {
            waitUntil(() -> countsOnly.latest().total() >= 4);
        }
    }

    private static void waitUntil(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(condition);
    }
}
