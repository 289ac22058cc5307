package io.ordermesh.webhooks.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.webhooks.repository.DeliveryRepository;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * Turns order events into deliveries: one per matching active subscription, with an id derived
 * from (event, subscription) and the payload body built once. The caller commits the Kafka offsets
 * only after {@link #record} returned, so a crash in between replays the records and the
 * deterministic ids make the replay insert nothing new.
 */
@Singleton
public class FanOut {

    private static final Logger LOG = Logger.getLogger(FanOut.class);
    private static final Set<String> TYPES = Set.of(OrderEvent.CREATED, OrderEvent.UPDATED);

    private final SubscriptionCache subscriptions;
    private final DeliveryRepository deliveries;
    private final Dispatcher dispatcher;
    private final RetryPolicy retries;
    private final ObjectMapper json;

    FanOut(SubscriptionCache subscriptions, DeliveryRepository deliveries, Dispatcher dispatcher, RetryPolicy retries, ObjectMapper json) {
        this.subscriptions = subscriptions;
        this.deliveries = deliveries;
        this.dispatcher = dispatcher;
        this.retries = retries;
        this.json = json;
    }

    /** Records the deliveries of a batch of event records (JSON values) and queues the new ones for a first attempt. */
    public int record(List<String> values) {
        Instant now = Instant.now();
        Date created = Date.from(now);
        Date firstAttempt = Date.from(now.plus(retries.firstDelay()));
        // By id: an event twice in one batch (a producer's retry) is one delivery, inserted once.
        Map<String, Document> docs = new LinkedHashMap<>();
        for (String value : values) {
            JsonNode event = parse(value);
            if (event == null) {
                continue;
            }
            String eventId = event.path("event_id").asText();
            String type = event.path("type").asText();
            String tenant = event.path("tenant_id").asText();
            JsonNode order = event.get("order");
            List<Document> matching = subscriptions.forEvent(tenant, type);
            if (matching.isEmpty()) {
                continue;
            }
            String body = payload(type, event.path("occurred_at").asText(), order);
            for (Document sub : matching) {
                String subscriptionId = sub.getString(WebhookDocuments.ID);
                String id = deliveryId(eventId, subscriptionId);
                docs.putIfAbsent(id, new Document(ID, id)
                        .append(TENANT_ID, tenant).append(SUBSCRIPTION_ID, subscriptionId)
                        .append(EVENT_ID, eventId).append(EVENT_TYPE, type).append(ORDER_ID, order.path("order_id").asText(null))
                        .append(BODY, body).append(STATUS, PENDING).append(ATTEMPT_COUNT, 0).append(SCHEDULE_BASE, 0).append(VERSION, 0)
                        .append(NEXT_ATTEMPT_AT, firstAttempt).append(ATTEMPTS, List.of())
                        .append(EVENT_OCCURRED_AT, parseDate(event.path("occurred_at").asText()))
                        .append(CREATED_AT, created).append(UPDATED_AT, created));
            }
        }
        // Due now (version 0 as inserted): where the lane has room, the delivery is inserted already
        // claimed and attempted at once; otherwise it is queued and its claim is one compare-and-set
        // without a read first. A later first attempt is left to the poller, which finds it when due.
        boolean dueNow = !firstAttempt.after(created);
        List<Document> reserved = new ArrayList<>();
        if (dueNow) {
            for (Document d : docs.values()) {
                if (dispatcher.reserve(d)) {
                    reserved.add(d);
                }
            }
        }
        List<String> inserted;
        try {
            inserted = deliveries.insertNew(List.copyOf(docs.values()));
        } catch (RuntimeException e) {
            dispatcher.abandonReserved(reserved);
            throw e;
        }
        if (inserted.size() < docs.size()) {
            LOG.debugf("%d deliveries already recorded (redelivered records)", docs.size() - inserted.size());
        }
        Set<String> fresh = Set.copyOf(inserted);
        dispatcher.startReserved(reserved, fresh);
        if (dueNow) {
            Set<String> started = new HashSet<>();
            reserved.forEach(d -> started.add(d.getString(ID)));
            for (String id : inserted) {
                if (!started.contains(id)) {
                    dispatcher.submit(docs.get(id).getString(SUBSCRIPTION_ID), id, 0);
                }
            }
        }
        return inserted.size();
    }

    /** A record we can never turn into a delivery is logged and skipped; it must not stop the others. */
    private JsonNode parse(String value) {
        try {
            JsonNode event = value == null ? null : json.readTree(value);
            if (event == null || !event.path("event_id").isTextual() || !TYPES.contains(event.path("type").asText())
                    || !event.path("tenant_id").isTextual() || !event.path("order").isObject()) {
                LOG.errorf("skipping an order event that is not one: %.300s", value);
                return null;
            }
            return event;
        } catch (Exception e) {
            LOG.errorf("skipping an unreadable order event (%s): %.300s", e.getMessage(), value);
            return null;
        }
    }

    /** {@code {"type", "timestamp", "data"}}; the order is passed through as the event carried it. */
    String payload(String type, String occurredAt, JsonNode order) {
        ObjectNode p = json.createObjectNode();
        p.put("type", type);
        p.put("timestamp", occurredAt);
        p.set("data", order);
        try {
            return json.writeValueAsString(p);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Date parseDate(String iso) {
        try {
            return Date.from(Instant.parse(iso));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Stable per (event, subscription): the delivery's {@code _id} and its {@code webhook-id} header. */
    public static String deliveryId(String eventId, String subscriptionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((eventId + ":" + subscriptionId).getBytes(StandardCharsets.UTF_8));
            return "msg_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
