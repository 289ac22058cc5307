package io.ordermesh.common.outbox;

import org.bson.Document;

import java.time.Instant;
import java.util.Date;

/**
 * One event waiting in a document's {@code pending_events} array: written in the same
 * single-document update as the state change it announces, removed once the broker acknowledged it.
 * {@code payload} is the record value exactly as it will be sent (JSON text).
 */
public record PendingEvent(String eventId, String topic, String key, String payload, Instant createdAt) {

    public static final String EVENT_ID = "event_id";
    public static final String TOPIC = "topic";
    public static final String KEY = "key";
    public static final String PAYLOAD = "payload";
    public static final String CREATED_AT = "created_at";

    public Document toDocument() {
        return new Document(EVENT_ID, eventId).append(TOPIC, topic).append(KEY, key).append(PAYLOAD, payload)
                .append(CREATED_AT, Date.from(createdAt));
    }

    public static PendingEvent fromDocument(Document d) {
        return new PendingEvent(d.getString(EVENT_ID), d.getString(TOPIC), d.getString(KEY), d.getString(PAYLOAD),
                d.getDate(CREATED_AT).toInstant());
    }
}
