package io.ordermesh.oms.messaging;

import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.oms.config.OmsConfig;
import io.ordermesh.oms.repository.Collections;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Republishes order events left in {@code pending_events} (crash after the write, broker down). */
@Singleton
public class OutboxRelay {

    private final Outbox outbox;
    private final Collections collections;
    private final OmsConfig config;

    OutboxRelay(Outbox outbox, Collections collections, OmsConfig config) {
        this.outbox = outbox;
        this.collections = collections;
        this.config = config;
    }

    @Scheduled(every = "${ordermesh.oms.outbox.relay-every:2s}", delayed = "${ordermesh.oms.outbox.relay-every:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void relay() {
        outbox.relay(collections.orders(), config.outbox().relayAfter(), config.outbox().relaySweepEvery(), config.outbox().relayBatch(),
                Duration.ofSeconds(30));
    }
}
