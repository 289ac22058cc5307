package io.ordermesh.csv.messaging;

import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.csv.config.CsvConfig;
import io.ordermesh.csv.repository.OrderStore;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Republishes order.created events left in documents (crash between write and publish, broker down). */
@Singleton
public class OutboxRelay {

    private final Outbox outbox;
    private final OrderStore orders;
    private final CsvConfig config;

    OutboxRelay(Outbox outbox, OrderStore orders, CsvConfig config) {
        this.outbox = outbox;
        this.orders = orders;
        this.config = config;
    }

    void indexes(@Observes StartupEvent ev) {
        Outbox.createIndex(orders.collection());
    }

    @Scheduled(every = "${ordermesh.csv.relay-every:2s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void relay() {
        outbox.relay(orders.collection(), config.relayAfter(), config.relaySweepEvery(), 5000, Duration.ofSeconds(30));
    }
}
