package io.ordermesh.finalizer.service;

import io.ordermesh.finalizer.client.Ims;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.ordermesh.finalizer.repository.OrderStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Retries held orders: on a schedule (every 2 minutes by default) and on demand ({@link #trigger},
 * after stock arrived). A run claims due orders oldest first, a batch at a time, under a lease
 * (see {@link OrderStore#claimRetries}), and decides them through {@link Finalizer} like fresh ones.
 * Runs never overlap within an instance; across instances the lease keeps claims disjoint.
 */
@Singleton
public class RetryService {

    private static final Logger LOG = Logger.getLogger(RetryService.class);

    public record Run(int claimed, int allocated, int held) {
    }

    private final OrderStore store;
    private final Finalizer finalizer;
    private final FinalizerConfig config;
    private final String instance = UUID.randomUUID().toString();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final ExecutorService triggered = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "retry-trigger");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    RetryService(OrderStore store, Finalizer finalizer, FinalizerConfig config) {
        this.store = store;
        this.finalizer = finalizer;
        this.config = config;
    }

    @Scheduled(every = "${ordermesh.finalizer.retry.every:2m}", delayed = "${ordermesh.finalizer.retry.every:2m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        runNow();
    }

    /** Starts a run in the background now (or right after the current one). */
    public void trigger() {
        triggered.execute(this::runNow);
    }

    /** One run: claim-and-decide batches until nothing is due or the per-run limit is reached. */
    public Run runNow() {
        if (!running.compareAndSet(false, true)) {
            again.set(true); // someone is running: make it go round once more
            return new Run(0, 0, 0);
        }
        int claimedTotal = 0;
        int allocated = 0;
        int held = 0;
        try {
            do {
                again.set(false);
                int batch = Math.min(config.retry().batchSize(), io.ordermesh.common.inventory.Allocations.MAX_BATCH);
                // One read of what is due per round, then claims a batch at a time (a claim only takes
                // an entry unchanged since this read, so a stale candidate is just skipped).
                List<Document> due = store.dueRetries(Instant.now(), batch * config.retry().maxBatchesPerRun());
                for (int from = 0; from < due.size() && !stopping; from += batch) {
                    Instant now = Instant.now();
                    String owner = instance + "/" + UUID.randomUUID();
                    List<Document> claimed = store.claimRetries(due.subList(from, Math.min(due.size(), from + batch)), owner,
                            now.plus(config.retry().lease()));
                    claimedTotal += claimed.size();
                    try {
                        Finalizer.Outcome o = finalizer.finalizeOrders(claimed);
                        allocated += o.allocated();
                        held += o.held();
                    } catch (Ims.Unavailable e) {
                        // The claims stay until their lease ends; the orders are due again then.
                        LOG.warnf("retry run stopped, IMS unavailable: %s", e.getMessage());
                        return new Run(claimedTotal, allocated, held);
                    }
                }
            } while (again.get() && !stopping);
        } catch (RuntimeException e) {
            // MongoDB trouble: claims expire with their lease and the next run takes them again.
            LOG.warnf("retry run failed: %s", e.toString());
        } finally {
            running.set(false);
        }
        if (claimedTotal > 0) {
            LOG.infof("retry run: %d held order(s) tried, %d allocated, %d still short", claimedTotal, allocated, held);
        }
        return new Run(claimedTotal, allocated, held);
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        triggered.shutdown();
        try {
            triggered.awaitTermination(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
