package io.ordermesh.common.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.outbox.PendingEvent;

import io.ordermesh.common.orders.Order;

import java.time.Instant;
import java.util.UUID;

/**
 * The value of every record on {@code order.created} and {@code order.updated} (key = order id).
 * Consumers are idempotent on {@code eventId}.
 */
public record OrderEvent(UUID eventId, String type, Instant occurredAt, UUID tenantId, Order order) {

    public static final String CREATED = "order.created";
    public static final String UPDATED = "order.updated";

    public static OrderEvent created(Order order, Instant at) {
        return new OrderEvent(UUID.randomUUID(), CREATED, at, order.tenantId(), order);
    }

    public static OrderEvent updated(Order order, Instant at) {
        return new OrderEvent(UUID.randomUUID(), UPDATED, at, order.tenantId(), order);
    }

    /** This event as it waits in the order document's outbox: the record value for {@code topic}, key = order id. */
    public PendingEvent pending(String topic, ObjectMapper json) {
        try {
            return new PendingEvent(eventId.toString(), topic, order.orderId(), json.writeValueAsString(this), occurredAt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + type, e);
        }
    }
}
