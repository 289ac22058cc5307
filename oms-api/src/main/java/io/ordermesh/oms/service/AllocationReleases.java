package io.ordermesh.oms.service;

import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.oms.client.Catalogue;
import io.ordermesh.oms.config.OmsConfig;
import io.ordermesh.oms.repository.OrderRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Releases the IMS allocation of cancelled orders. The cancel writes {@code release_state=pending}
 * with the status; the release is then tried at once and, when IMS does not answer, again from
 * memory every {@code retry-every} without any query. Only a sweep reads MongoDB for pending
 * releases (a scan of every order on the embedded server): at start-up, where a predecessor may
 * have died between cancel and release, and once per {@code sweep-every} for releases other
 * instances left behind.
 */
@Singleton
public class AllocationReleases {

    private static final Logger LOG = Logger.getLogger(AllocationReleases.class);
    /** A release younger than this may still be in the hands of the instance that cancelled. */
    private static final long SETTLE_SECONDS = 10;
    private static final int SWEEP_BATCH = 200;

    private record Owed(UUID tenant, String orderId) {
    }

    private final Catalogue catalogue;
    private final OrderRepository orders;
    private final OmsConfig config;
    /** Releases this process failed, by order document id. Bounded: beyond it the sweep finds them. */
    private final Map<String, Owed> owed = new ConcurrentHashMap<>();
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);

    AllocationReleases(Catalogue catalogue, OrderRepository orders, OmsConfig config) {
        this.catalogue = catalogue;
        this.orders = orders;
        this.config = config;
    }

    /** Releases now; on failure the release is owed and retried. Never throws for IMS trouble. */
    public void release(UUID tenant, String orderId) {
        attempt(OrderDocuments.id(tenant, orderId), new Owed(tenant, orderId));
    }

    /** Releases this process failed and still retries (read by tests). */
    public int owedCount() {
        return owed.size();
    }

    @Scheduled(every = "${ordermesh.oms.releases.retry-every:5s}", delayed = "${ordermesh.oms.releases.retry-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void retry() {
        try {
            boolean allReleased = true;
            for (Map.Entry<String, Owed> e : List.copyOf(owed.entrySet())) {
                allReleased &= attempt(e.getKey(), e.getValue());
            }
            long now = System.currentTimeMillis();
            if (now >= nextSweep.get()) {
                nextSweep.set(now + config.releases().sweepEvery().toMillis());
                // When IMS refuses the ones we know of, a sweep would only find more of the same.
                if (allReleased) {
                    sweep();
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("allocation release retry failed, will retry: %s", e.toString());
        }
    }

    private void sweep() {
        List<Document> pending;
        do {
            pending = orders.pendingReleases(Instant.now().minusSeconds(SETTLE_SECONDS), SWEEP_BATCH);
            for (Document d : pending) {
                Owed release = new Owed(UUID.fromString(d.getString(OrderDocuments.TENANT_ID)), d.getString(OrderDocuments.ORDER_ID));
                if (!attempt(d.getString("_id"), release)) {
                    // IMS is away: the rest waits for the retry of what is owed and the next sweep.
                    return;
                }
            }
            // Every release of a full page succeeded and left the query's result: look at the next.
        } while (pending.size() == SWEEP_BATCH);
    }

    private boolean attempt(String documentId, Owed release) {
        try {
            if (catalogue.release(release.tenant(), release.orderId())) {
                orders.markReleased(documentId);
                owed.remove(documentId);
                return true;
            }
        } catch (RuntimeException e) {
            // MongoDB did not take the mark: the release is idempotent, so it is simply owed again.
            LOG.debugf("allocation release of %s not recorded: %s", documentId, e.toString());
        }
        if (owed.size() < config.releases().maxOwed() || owed.containsKey(documentId)) {
            owed.put(documentId, release);
        } else {
            nextSweep.set(Long.MIN_VALUE);
        }
        return false;
    }
}
