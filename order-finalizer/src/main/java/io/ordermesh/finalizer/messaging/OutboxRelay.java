package io.ordermesh.finalizer.messaging;

import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.ordermesh.finalizer.repository.OrderStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Republishes {@code order.updated} events left in {@code pending_events} (crash after the write, broker down). */
@Singleton
public class OutboxRelay {

    private final Outbox outbox;
    private final OrderStore store;
    private final FinalizerConfig config;

    OutboxRelay(Outbox outbox, OrderStore store, FinalizerConfig config) {
        this.outbox = outbox;
        this.store = store;
        this.config = config;
    }

    @Scheduled(every = "${ordermesh.finalizer.outbox.relay-every:2s}", delayed = "${ordermesh.finalizer.outbox.relay-every:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void relay() {
        outbox.relay(store.orders(), config.outbox().relayAfter(), config.outbox().relaySweepEvery(), config.outbox().relayBatch(),
                Duration.ofSeconds(30));
    }
}
