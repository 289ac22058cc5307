package io.ordermesh.loadtest;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Counts a tenant's order outcomes every {@code seconds} on its own thread, so the progress line
 * and the waits read the latest counts without each issuing a scan of the orders collection. A
 * count reads every order on the embedded server, so the wait after one is at least
 * {@link #QUIET_FACTOR} times what it took: the measurement never takes more than a tenth of the
 * server from the run it measures.
 * <p>
 * Given a running figure of decided orders (order-finalizer's counter), it counts only when that
 * figure cannot be read or has not grown for {@link #STILL_MILLIS}: while the figure grows, a count
 * tells nothing it does not, and the three scans of the collection (at least a fifth of the
 * embedded server's samples in a 100,000-row run) would slow the very thing measured. A figure
 * that stands still (order-finalizer restarted, stuck, or done) is checked by counts again.
 */
final class Poller implements AutoCloseable {

    static final int QUIET_FACTOR = 9;
    static final long STILL_MILLIS = 10_000;

    /** One count of the tenant's outcomes (a scan of the orders collection on the embedded server). */
    private final Supplier<Outcomes.Counts> counts;
    private final long everyMillis;

    /** Decided orders by a cheaper source, negative when unknown; null: counts only. */
    private final LongSupplier figure;
    private final long stillNanos;
    /** The figure when it last grew (-1: not read yet), and when (System.nanoTime()). */
    private long lastFigure = -1;
    private long lastGrowthNanos;
    private final AtomicReference<Outcomes.Counts> latest = new AtomicReference<>(new Outcomes.Counts(0, 0, 0));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-outcomes");
        t.setDaemon(true);
        return t;
    });
    /** System.nanoTime() when the first order was seen decided, 0 before. */
    private volatile long firstDecidedNanos;
    /** Why the end of the run could not be confirmed by a count (null when it was, or not yet asked). */
    private volatile String unconfirmed;
    /** The counts were read again after an unconfirmed end ({@link #recountIfUnconfirmed}). */
    private volatile boolean recounted;
    /** Failed counts in a row after which the running figure alone ends the wait. */
    static final int MAX_FAILED_CONFIRMATIONS = 5;

    Poller(Supplier<Outcomes.Counts> counts, double seconds) {
        this(counts, seconds, null, STILL_MILLIS);
    }

    Poller(Supplier<Outcomes.Counts> counts, double seconds, LongSupplier figure) {
        this(counts, seconds, figure, STILL_MILLIS);
    }

    Poller(Supplier<Outcomes.Counts> counts, double seconds, LongSupplier figure, long stillMillis) {
        this.counts = counts;
        this.everyMillis = (long) (seconds * 1000);
        this.figure = figure;
        this.stillNanos = stillMillis * 1_000_000;
        timer.execute(this::poll);
    }

    private void poll() {
        long start = System.nanoTime();
        try {
            if (!countNeeded()) {
                return;
            }
            Outcomes.Counts c = counts.get();
            sawDecided(c.decided());
            latest.set(c);
        } catch (RuntimeException e) {
            // MongoDB busy for a moment: the next poll counts
        } finally {
            long took = (System.nanoTime() - start) / 1_000_000;
            if (!timer.isShutdown()) {
                timer.schedule(this::poll, quietPause(took, everyMillis), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** False while the running figure can be read and grew within the last {@link #stillNanos}. */
    private boolean countNeeded() {
        if (figure == null) {
            return true;
        }
        long decided = sawDecided(figure.getAsLong());
        long now = System.nanoTime();
        if (decided < 0) {
            return true;
        }
        if (decided > lastFigure) {
            lastFigure = decided;
            lastGrowthNanos = now;
        }
        return now - lastGrowthNanos >= stillNanos;
    }

    Outcomes.Counts latest() {
        return latest.get();
    }

    long firstDecidedNanos() {
        return firstDecidedNanos;
    }

    /**
     * Notes a number of decided orders read elsewhere (order-finalizer's counter, read every second)
     * and answers it. The first decision is timed by whichever source saw one first: a count of a
     * busy server can take seconds, and counts that fail are not retried until the next pause, so the
     * counts alone noticed it up to 45 s late and reported finalization as 10,093 orders/s instead of
     * about 1,300.
     */
    synchronized long sawDecided(long decided) {
        if (decided > 0 && firstDecidedNanos == 0) {
            firstDecidedNanos = System.nanoTime();
        }
        return decided;
    }

    String unconfirmed() {
        return unconfirmed;
    }

    boolean recounted() {
        return recounted;
    }

    /**
     * Waits until at least {@code expected} orders are decided and every order of the tenant is
     * (orders whose request timed out on the client can exist too), or the deadline; answers the last counts.
     */
    Outcomes.Counts await(long expected, long deadlineNanos) throws InterruptedException {
        while (!latest.get().allDecided(expected) && System.nanoTime() < deadlineNanos) {
            Thread.sleep(200);
        }
        return latest.get();
    }

    /**
     * Waits for every order to be decided by watching a cheap running figure ({@code estimate}, e.g.
     * order-finalizer's own counter; negative when unavailable) and counting in MongoDB only to
     * confirm, so the moment is not late by the pause between two throttled counts. Answers
     * {@link System#nanoTime()} of that moment: when the figure reached {@code expected} if the first
     * count agreed, else when a count did; when {@link #MAX_FAILED_CONFIRMATIONS} counts in a row
     * failed, when the figure reached it ({@link #unconfirmed()} says why); or the deadline.
     */
    long awaitConfirmed(long expected, LongSupplier estimate, long deadlineNanos) throws InterruptedException {
        long reached = 0;
        boolean firstCount = true;
        int failures = 0;
        while (System.nanoTime() < deadlineNanos) {
            long figure = estimate.getAsLong();
            if (figure < 0) {
                await(expected, deadlineNanos);
                return System.nanoTime();
            }
            if (figure < expected) {
                // The figure starts again from zero when order-finalizer restarts: the throttled counts still end the wait.
                if (latest.get().allDecided(expected)) {
                    return System.nanoTime();
                }
                Thread.sleep(500);
                continue;
            }
            if (reached == 0) {
                reached = System.nanoTime();
            }
            long start = System.nanoTime();
            try {
                Outcomes.Counts c = counts.get();
                latest.set(c);
                if (c.allDecided(expected)) {
                    return firstCount ? reached : System.nanoTime();
                }
                firstCount = false;
                failures = 0;
            } catch (RuntimeException e) {
                // MongoDB busy for a moment: count again; but a count that keeps failing (a store that
                // cannot read some page) must not hold the run until its deadline.
                if (++failures >= MAX_FAILED_CONFIRMATIONS) {
                    unconfirmed = e.getMessage();
                    return reached;
                }
            }
            // Throttled like the periodic counts: waiting must not take the server from the run.
            Thread.sleep(quietPause((System.nanoTime() - start) / 1_000_000, 2000));
        }
        return System.nanoTime();
    }

    /**
     * Counts again, on the caller's thread, up to {@code attempts} times {@code pause} apart, when
     * the end could not be confirmed: the counts that failed ran while the server was busiest, and
     * the report's checks need the final figures, not the last ones a count could read. Answers the
     * latest counts either way.
     */
    Outcomes.Counts recountIfUnconfirmed(int attempts, long pauseMillis) throws InterruptedException {
        for (int i = 0; unconfirmed != null && i < attempts; i++) {
            try {
                latest.set(counts.get());
                recounted = true;
                return latest.get();
            } catch (RuntimeException e) {
                Thread.sleep(pauseMillis);
            }
        }
        return latest.get();
    }

    /** The wait after a count that took {@code tookMillis}: {@link #QUIET_FACTOR} times as long, and at least {@code atLeastMillis}. */
    private static long quietPause(long tookMillis, long atLeastMillis) {
        return Math.max(atLeastMillis, tookMillis * QUIET_FACTOR);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
