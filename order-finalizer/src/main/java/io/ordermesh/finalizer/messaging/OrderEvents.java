package io.ordermesh.finalizer.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.finalizer.repository.OrderStore;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.List;

/** Builds the {@code order.updated} event that goes into the same write as a status change, and publishes it after. */
@Singleton
public class OrderEvents {

    private final Outbox outbox;
    private final OrderStore store;
    private final Topics topics;
    private final ObjectMapper json;

    OrderEvents(Outbox outbox, OrderStore store, Topics topics, ObjectMapper json) {
        this.outbox = outbox;
        this.store = store;
        this.topics = topics;
        this.json = json;
    }

    public PendingEvent updated(Order order, Instant at) {
        return OrderEvent.updated(order, at).pending(topics.orderUpdated(), json);
    }

    /** Sends an event already written in the order document; never blocks (the relay covers failures). */
    public void publish(String documentId, PendingEvent event) {
        outbox.publish(store.orders(), documentId, List.of(event));
    }
}
