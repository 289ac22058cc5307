package io.ordermesh.oms.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.oms.repository.Collections;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How order services announce changes: build the {@link PendingEvent} that goes into the same
 * document write as the change, then {@link #publish} it through the outbox. Nothing else in
 * oms-api touches Kafka.
 */
@Singleton
public class OrderEvents {

    private final Outbox outbox;
    private final Collections collections;
    private final Topics topics;
    private final ObjectMapper json;

    OrderEvents(Outbox outbox, Collections collections, Topics topics, ObjectMapper json) {
        this.outbox = outbox;
        this.collections = collections;
        this.topics = topics;
        this.json = json;
    }

    public PendingEvent created(Order order, Instant at) {
        return pending(topics.orderCreated(), OrderEvent.created(order, at));
    }

    public PendingEvent updated(Order order, Instant at) {
        return pending(topics.orderUpdated(), OrderEvent.updated(order, at));
    }

    private PendingEvent pending(String topic, OrderEvent event) {
        return event.pending(topic, json);
    }

    /** Sends events already written in the order document {@code documentId}; never blocks. */
    public CompletableFuture<Void> publish(String documentId, List<PendingEvent> events) {
        return outbox.publish(collections.orders(), documentId, events);
    }
}
