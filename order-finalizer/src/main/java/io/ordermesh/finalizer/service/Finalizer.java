package io.ordermesh.finalizer.service;

import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ordermesh.common.inventory.Allocations;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.finalizer.client.Ims;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.ordermesh.finalizer.messaging.OrderEvents;
import io.ordermesh.finalizer.repository.OrderStore;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The one path from "order on hold" to a decision, shared by the {@code order.created} consumer and
 * the scheduled retry. For a batch of order documents (already read): skip what is no longer
 * {@code on_hold} (cancelled orders are never allocated), allocate the rest in IMS (one batch call
 * per tenant and 500 orders; idempotent on the order id), then write every decision as a
 * compare-and-set on {@code status = on_hold} in one unordered bulk write, each with its
 * {@code order.updated} event in the same single-document update, and publish the events.
 * <p>
 * Holds: {@code INSUFFICIENT_STOCK} (shortages in {@code hold_details}, retried from
 * {@code next_retry_at} with exponential backoff and a cap) and {@code INVALID} (IMS does not know
 * the hub or a SKU: no retry can fix it, so it is not retried; the message is in
 * {@code hold_message}). An {@code order.updated} is emitted only when the hold reason changes:
 * a held order that is still short after a retry is not news for the tenant's webhooks.
 * <p>
 * A cancel racing the allocation: if IMS allocated but the compare-and-set then finds the order
 * cancelled, the allocation is released here (oms-api's cancel releases too; both are idempotent,
 * and IMS's tombstone makes a late allocation of a cancelled order answer {@code released}).
 */
@Singleton
public class Finalizer {

    private static final Logger LOG = Logger.getLogger(Finalizer.class);

    /** What a batch came to; {@code rejectedTenants} are tenants IMS refused outright (unknown: their records are poison). */
    public record Outcome(int allocated, int held, int invalid, int skipped, Map<UUID, String> rejectedTenants) {
    }

    /** {@code retryAt}: when an order still short of stock is tried again (null for other results). */
    private record Decision(Document snapshot, Allocations.Result result, PendingEvent event, UpdateOneModel<Document> update,
                            Instant retryAt) {
        String id() {
            return snapshot.getString(OrderDocuments.ID);
        }
    }

    private final Ims ims;
    private final OrderStore store;
    private final OrderEvents events;
    private final FinalizerConfig config;
    private final Counter allocatedCounter;
    private final Counter heldCounter;
    private final Counter invalidCounter;
    private final Counter compensatedCounter;

    Finalizer(Ims ims, OrderStore store, OrderEvents events, FinalizerConfig config, MeterRegistry metrics) {
        this.ims = ims;
        this.store = store;
        this.events = events;
        this.config = config;
        this.allocatedCounter = Counter.builder("ordermesh.finalizer.orders").tag("outcome", "allocated")
                .description("Orders moved on_hold -> new_order").register(metrics);
        this.heldCounter = Counter.builder("ordermesh.finalizer.orders").tag("outcome", "held")
                .description("Allocation attempts that left the order on hold for lack of stock").register(metrics);
        this.invalidCounter = Counter.builder("ordermesh.finalizer.orders").tag("outcome", "invalid")
                .description("Orders held because IMS does not know their hub or SKUs").register(metrics);
        this.compensatedCounter = Counter.builder("ordermesh.finalizer.orders").tag("outcome", "released_after_cancel")
                .description("Allocations released because the order was cancelled while it was allocated").register(metrics);
    }

    /**
     * Decides every document (an order snapshot) of the batch. Throws {@link Ims.Unavailable} when
     * IMS cannot answer and a MongoException when the writes were not acknowledged: the caller
     * retries the same batch later, which is safe (allocation and writes are idempotent).
     */
    public Outcome finalizeOrders(List<Document> snapshots) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Map<UUID, List<Document>> byTenant = new LinkedHashMap<>();
        int skipped = 0;
        for (Document d : snapshots) {
            if (!OrderStatus.on_hold.name().equals(d.getString(OrderDocuments.STATUS))) {
                skipped++; // cancelled, or finalized by an earlier delivery: nothing to allocate
                continue;
            }
            byTenant.computeIfAbsent(UUID.fromString(d.getString(OrderDocuments.TENANT_ID)), t -> new ArrayList<>()).add(d);
        }
        Map<UUID, String> rejected = new LinkedHashMap<>();
        List<Decision> decisions = new ArrayList<>();
        long imsStart = System.nanoTime();
        for (Map.Entry<UUID, List<Document>> tenant : byTenant.entrySet()) {
            List<Document> docs = tenant.getValue();
            for (int i = 0; i < docs.size(); i += Allocations.MAX_BATCH) {
                List<Document> chunk = docs.subList(i, Math.min(docs.size(), i + Allocations.MAX_BATCH));
                List<Allocations.Result> results;
                try {
                    results = ims.allocate(tenant.getKey(), chunk.stream().map(Finalizer::request).toList());
                } catch (Ims.Rejected e) {
                    rejected.put(tenant.getKey(), e.getMessage());
                    break;
                }
                for (int k = 0; k < chunk.size(); k++) {
                    Decision decision = decide(chunk.get(k), results.get(k), now);
                    if (decision != null) {
                        decisions.add(decision);
                    } else {
                        skipped++;
                    }
                }
            }
        }
        long writeStart = System.nanoTime();
        Set<String> applied = write(decisions);
        LOG.debugf("%d order(s): IMS %d ms, MongoDB %d ms", decisions.size(), (writeStart - imsStart) / 1_000_000,
                (System.nanoTime() - writeStart) / 1_000_000);
        int allocated = 0;
        int held = 0;
        int invalid = 0;
        for (Decision d : decisions) {
            if (!applied.contains(d.id())) {
                continue;
            }
            if (d.event() != null) {
                events.publish(d.id(), d.event());
            }
            switch (d.result().status()) {
                case allocated -> allocated++;
                case insufficient -> held++;
                case invalid -> invalid++;
                default -> { }
            }
        }
        allocatedCounter.increment(allocated);
        heldCounter.increment(held);
        invalidCounter.increment(invalid);
        return new Outcome(allocated, held, invalid, skipped + decisions.size() - applied.size(), rejected);
    }

    /** Writes the decisions and answers the ids whose compare-and-set took; releases allocations of orders cancelled meanwhile. */
    private Set<String> write(List<Decision> decisions) {
        if (decisions.isEmpty()) {
            return Set.of();
        }
        List<Decision> stillShort = decisions.stream().filter(d -> d.retryAt() != null).toList();
        store.scheduleRetries(stillShort.stream().map(Decision::snapshot).toList(),
                stillShort.stream().collect(Collectors.toMap(Decision::id, Decision::retryAt, (a, b) -> b)));
        int matched = store.bulkUpdate(decisions.stream().map(Decision::update).toList());
        // Allocated or invalid now: a retry entry (if the order was waiting for stock) is no longer needed,
        // whether this compare-and-set took or the order had moved on already.
        store.forgetRetries(decisions.stream().filter(d -> d.retryAt() == null
                && OrderStore.INSUFFICIENT_STOCK.equals(d.snapshot().getString(OrderDocuments.HOLD_REASON))).map(Decision::id).toList());
        Set<String> applied = new HashSet<>();
        if (matched == decisions.size()) {
            decisions.forEach(d -> applied.add(d.id()));
            return applied;
        }
        // Some compare-and-sets missed: the order moved on (cancelled, or decided by a redelivery or
        // another instance). Find out which took by the event ids they wrote, release what a cancel
        // overtook after IMS had allocated.
        Map<String, Document> now = store.statusAndPending(decisions.stream().map(Decision::id).toList());
        for (Decision d : decisions) {
            Document current = now.get(d.id());
            if (current == null) {
                continue;
            }
            String status = current.getString(OrderDocuments.STATUS);
            boolean took = switch (d.result().status()) {
                case allocated -> d.event() != null && hasEvent(current, d.event().eventId());
                default -> d.event() != null ? hasEvent(current, d.event().eventId()) : OrderStatus.on_hold.name().equals(status);
            };
            if (took) {
                applied.add(d.id());
            } else if (d.result().status() == Allocations.Status.allocated && OrderStatus.cancelled.name().equals(status)) {
                UUID tenant = UUID.fromString(d.snapshot().getString(OrderDocuments.TENANT_ID));
                String orderId = d.snapshot().getString(OrderDocuments.ORDER_ID);
                LOG.infof("order %s was cancelled while IMS allocated it; releasing the allocation", d.id());
                try {
                    ims.release(tenant, orderId); // Unavailable propagates: the batch is retried and releases then
                    compensatedCounter.increment();
                } catch (Ims.Rejected e) {
                    // Not retryable here; oms-api's cancel (and its release retry) still releases the order.
                    LOG.warnf("release of cancelled order %s refused by IMS: %s", d.id(), e.getMessage());
                }
            }
        }
        return applied;
    }

    private static boolean hasEvent(Document current, String eventId) {
        List<Document> pending = current.getList(OrderDocuments.PENDING_EVENTS, Document.class, List.of());
        return pending.stream().anyMatch(p -> eventId.equals(p.getString(PendingEvent.EVENT_ID)));
    }

    private Decision decide(Document snapshot, Allocations.Result result, Instant now) {
        Order before = OrderDocuments.fromDocument(snapshot);
        String prevReason = before.holdReason();
        Bson onHold = OrderDocuments.inStatus(snapshot.getString(OrderDocuments.ID), OrderStatus.on_hold);
        switch (result.status()) {
            case allocated -> {
                Order after = with(before, OrderStatus.new_order, null, null, now);
                PendingEvent event = events.updated(after, now);
                Bson update = Updates.combine(Updates.set(OrderDocuments.STATUS, OrderStatus.new_order.name()),
                        Updates.set(OrderDocuments.HOLD_REASON, null), Updates.unset(OrderDocuments.HOLD_DETAILS),
                        Updates.unset(OrderStore.HOLD_MESSAGE), Updates.unset(OrderStore.NEXT_RETRY_AT),
                        Updates.set(OrderStore.ALLOCATED_AT, Date.from(now)), Updates.set(OrderDocuments.UPDATED_AT, Date.from(now)),
                        Updates.push(OrderDocuments.PENDING_EVENTS, event.toDocument()));
                return new Decision(snapshot, result, event, new UpdateOneModel<>(onHold, update), null);
            }
            case insufficient -> {
                int attempts = snapshot.get(OrderStore.RETRY_COUNT) instanceof Number n ? n.intValue() : 0;
                Instant next = now.plus(backoff(attempts));
                List<Allocations.Shortage> shortages = result.shortages() == null ? List.of() : result.shortages();
                List<Bson> set = new ArrayList<>(List.of(Updates.set(OrderDocuments.HOLD_REASON, OrderStore.INSUFFICIENT_STOCK),
                        Updates.set(OrderDocuments.HOLD_DETAILS, OrderDocuments.shortages(shortages)),
                        Updates.set(OrderStore.NEXT_RETRY_AT, Date.from(next)), Updates.inc(OrderStore.RETRY_COUNT, 1),
                        Updates.unset(OrderStore.HOLD_MESSAGE)));
                PendingEvent event = null;
                if (!OrderStore.INSUFFICIENT_STOCK.equals(prevReason)) {
                    event = events.updated(with(before, OrderStatus.on_hold, OrderStore.INSUFFICIENT_STOCK, shortages, now), now);
                    set.add(Updates.set(OrderDocuments.UPDATED_AT, Date.from(now)));
                    set.add(Updates.push(OrderDocuments.PENDING_EVENTS, event.toDocument()));
                }
                return new Decision(snapshot, result, event, new UpdateOneModel<>(onHold, Updates.combine(set)), next);
            }
            case invalid -> {
                List<Bson> set = new ArrayList<>(List.of(Updates.set(OrderDocuments.HOLD_REASON, OrderStore.INVALID),
                        Updates.set(OrderStore.HOLD_MESSAGE, Objects.requireNonNullElse(result.error(), "rejected by IMS")),
                        Updates.unset(OrderDocuments.HOLD_DETAILS), Updates.unset(OrderStore.NEXT_RETRY_AT)));
                PendingEvent event = null;
                if (!OrderStore.INVALID.equals(prevReason)) {
                    event = events.updated(with(before, OrderStatus.on_hold, OrderStore.INVALID, null, now), now);
                    set.add(Updates.set(OrderDocuments.UPDATED_AT, Date.from(now)));
                    set.add(Updates.push(OrderDocuments.PENDING_EVENTS, event.toDocument()));
                }
                LOG.infof("order %s held as INVALID: %s", snapshot.getString(OrderDocuments.ID), result.error());
                return new Decision(snapshot, result, event, new UpdateOneModel<>(onHold, Updates.combine(set)), null);
            }
            default -> {
                // released: the order was cancelled (oms-api released it first); never allocate it
                LOG.debugf("order %s answered released by IMS (cancelled); skipped", snapshot.getString(OrderDocuments.ID));
                return null;
            }
        }
    }

    /** Wait before the next retry after {@code attempts} earlier ones: doubling, capped. */
    Duration backoff(int attempts) {
        Duration initial = config.retry().backoffInitial();
        Duration max = config.retry().backoffMax();
        long factor = 1L << Math.min(Math.max(attempts, 0), 30);
        Duration d = initial.multipliedBy(factor);
        return d.compareTo(max) > 0 || d.isNegative() ? max : d;
    }

    private static Order with(Order o, OrderStatus status, String holdReason, List<Allocations.Shortage> details, Instant now) {
        return new Order(o.orderId(), o.tenantId(), o.sellerId(), o.hubId(), o.items(), o.total(), status, holdReason, details,
                o.source(), o.createdAt(), now);
    }

    private static Allocations.Request request(Document d) {
        List<Allocations.Item> items = d.getList(OrderDocuments.ITEMS, Document.class).stream()
                .map(i -> new Allocations.Item(UUID.fromString(i.getString("sku_id")), i.getInteger("quantity"))).toList();
        return new Allocations.Request(d.getString(OrderDocuments.ORDER_ID), UUID.fromString(d.getString(OrderDocuments.HUB_ID)), items);
    }
}
