package io.ordermesh.finalizer.messaging;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.service.Finalizer;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One polled batch of {@code order.created} records: parse, dedupe by order, read the orders in one
 * query, decide them all through {@link Finalizer}, park poison records in the DLQ. Returns normally
 * only when every effect is durable (MongoDB acknowledged, dead letters acknowledged); then the
 * caller may commit the offsets.
 */
@Singleton
public class CreatedBatch {

    private static final Logger LOG = Logger.getLogger(CreatedBatch.class);

    /**
     * What a batch needs of an {@code order.created} value: which order it points at. The order
     * itself is read from MongoDB (the event is a copy of it), so the parser skips the rest of the
     * value instead of binding it (dates, UUIDs, amounts, items).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record EventPointer(UUID tenantId, OrderPointer order) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record OrderPointer(String orderId) {
    }

    private final ObjectReader pointers;
    private final OrderStore store;
    private final Finalizer finalizer;
    private final DeadLetters deadLetters;
    private final Timer latency;

    CreatedBatch(ObjectMapper json, OrderStore store, Finalizer finalizer, DeadLetters deadLetters, MeterRegistry metrics) {
        this.pointers = json.readerFor(EventPointer.class);
        this.store = store;
        this.finalizer = finalizer;
        this.deadLetters = deadLetters;
        this.latency = Timer.builder("ordermesh.finalizer.batch").description("Time to finalize one polled batch of order.created")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    public Finalizer.Outcome process(Iterable<ConsumerRecord<String, String>> records) {
        Timer.Sample sample = Timer.start();
        Map<String, List<ConsumerRecord<String, String>>> byOrder = new LinkedHashMap<>();
        List<DeadLetters.Dead> dead = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            String id = documentId(r, dead);
            if (id != null) {
                byOrder.computeIfAbsent(id, k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, Document> docs = store.findByIds(byOrder.keySet());
        List<Document> snapshots = new ArrayList<>(docs.size());
        for (Map.Entry<String, List<ConsumerRecord<String, String>>> e : byOrder.entrySet()) {
            Document d = docs.get(e.getKey());
            if (d == null) {
                // The outbox writes the order before its event, so an event without its order is not ours to fix.
                e.getValue().forEach(r -> dead.add(new DeadLetters.Dead(r, "order not found: " + e.getKey())));
            } else {
                snapshots.add(d);
            }
        }
        Finalizer.Outcome outcome = finalizer.finalizeOrders(snapshots);
        if (!outcome.rejectedTenants().isEmpty()) {
            for (Document d : snapshots) {
                UUID tenant = UUID.fromString(d.getString(OrderDocuments.TENANT_ID));
                String why = outcome.rejectedTenants().get(tenant);
                if (why != null) {
                    byOrder.get(d.getString(OrderDocuments.ID))
                            .forEach(r -> dead.add(new DeadLetters.Dead(r, "tenant " + tenant + " rejected by IMS: " + why)));
                }
            }
        }
        deadLetters.send(dead);
        long nanos = sample.stop(latency);
        LOG.debugf("batch: %d order(s) in %d ms: %s", byOrder.size(), nanos / 1_000_000, outcome);
        return outcome;
    }

    private String documentId(ConsumerRecord<String, String> r, List<DeadLetters.Dead> dead) {
        if (r.value() == null) {
            dead.add(new DeadLetters.Dead(r, "empty record"));
            return null;
        }
        EventPointer event;
        try {
            event = pointers.readValue(r.value());
        } catch (Exception e) {
            dead.add(new DeadLetters.Dead(r, "unparseable: " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage())));
            return null;
        }
        if (event == null || event.tenantId() == null || event.order() == null || event.order().orderId() == null) {
            dead.add(new DeadLetters.Dead(r, "not an order event: tenant_id and order.order_id are required"));
            return null;
        }
        return OrderDocuments.id(event.tenantId(), event.order().orderId());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
