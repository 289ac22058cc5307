package io.ordermesh.oms.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.oms.client.Catalogue;
import io.ordermesh.oms.config.OmsConfig;
import io.ordermesh.oms.messaging.OrderEvents;
import io.ordermesh.oms.repository.Cursor;
import io.ordermesh.oms.repository.IdempotencyRepository;
import io.ordermesh.oms.repository.OrderRepository;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Orders: creation with validation and idempotency, reads, cancellation. */
@Singleton
public class OrderService {

    /** The answer to a create: 201 for a new order, 200 when the same order already existed. */
    public record Created(Order order, int status) {
    }

    private final Catalogue catalogue;
    private final OrderRepository orders;
    private final IdempotencyRepository idempotency;
    private final OrderEvents events;
    private final AllocationReleases releases;
    private final OmsConfig config;
    private final ObjectMapper json;

    OrderService(Catalogue catalogue, OrderRepository orders, IdempotencyRepository idempotency, OrderEvents events,
                 AllocationReleases releases, OmsConfig config, ObjectMapper json) {
        this.catalogue = catalogue;
        this.orders = orders;
        this.idempotency = idempotency;
        this.events = events;
        this.releases = releases;
        this.config = config;
        this.json = json;
    }

    /**
     * Creates an order. With an Idempotency-Key the first answer is replayed for the same body and
     * a different body is refused (422); two requests racing with one key produce one order, because
     * the key is claimed by a unique insert before any work.
     */
    public Created create(String tenantHeader, String idempotencyKey, CreateOrderRequest request) {
        if (idempotencyKey == null || idempotencyKey.isBlank()) {
            return createOnce(tenantHeader, request);
        }
        if (idempotencyKey.length() > 255) {
            throw ProblemException.badRequest("Idempotency-Key must be at most 255 characters");
        }
        UUID tenant = catalogue.requireTenant(tenantHeader);
        String bodyHash = OrderDocuments.sha256(write(request));
        Optional<Document> existing = idempotency.claim(tenant, idempotencyKey, bodyHash);
        if (existing.isPresent()) {
            return replay(tenant, idempotencyKey, bodyHash, existing.get());
        }
        try {
            Created created = createOnce(tenantHeader, request);
            idempotency.complete(tenant, idempotencyKey, created.status(), write(created.order()),
                    "/orders/" + created.order().orderId());
            return created;
        } catch (RuntimeException e) {
            // Nothing was created: the client may retry the same key with a corrected body.
            idempotency.release(tenant, idempotencyKey);
            throw e;
        }
    }

    private Created replay(UUID tenant, String key, String bodyHash, Document record) {
        Instant deadline = Instant.now().plus(config.idempotency().waitForInFlight());
        while (true) {
            if (!bodyHash.equals(record.getString("body_hash"))) {
                throw ProblemException.unprocessable("Idempotency-Key " + key + " was already used with a different request body",
                        List.of(new Problem.FieldError("Idempotency-Key", "reused with a different body")));
            }
            if ("completed".equals(record.getString("state"))) {
                try {
                    return new Created(json.readValue(record.getString("response"), Order.class), record.getInteger("status_code"));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw ProblemException.conflict("a request with Idempotency-Key " + key + " is still in progress; retry shortly");
            }
            sleep(20);
            Document again = idempotency.find(tenant, key);
            if (again == null) {
                // The first request failed and released the key: compete for it again.
                throw ProblemException.conflict("the first request with Idempotency-Key " + key + " failed; retry");
            }
            record = again;
        }
    }

    private Created createOnce(String tenantHeader, CreateOrderRequest request) {
        Set<UUID> skuIds = new LinkedHashSet<>();
        List<Problem.FieldError> errors = new ArrayList<>();
        for (int i = 0; i < request.items().size(); i++) {
            if (!skuIds.add(request.items().get(i).skuId())) {
                errors.add(new Problem.FieldError("items[" + i + "].sku_id", "appears more than once in the order"));
            }
        }
        Catalogue.Refs refs = catalogue.resolve(tenantHeader, Set.of(request.sellerId()), Set.of(request.hubId()), skuIds);
        UUID tenant = UUID.fromString(tenantHeader.trim());
        if (!refs.sellers().containsKey(request.sellerId())) {
            errors.add(new Problem.FieldError("seller_id", "unknown seller " + request.sellerId()));
        }
        if (!refs.hubs().containsKey(request.hubId())) {
            errors.add(new Problem.FieldError("hub_id", "unknown hub " + request.hubId()));
        }
        for (int i = 0; i < request.items().size(); i++) {
            UUID sku = request.items().get(i).skuId();
            CatalogueRefs.SkuRef ref = refs.skus().get(sku);
            if (ref == null) {
                errors.add(new Problem.FieldError("items[" + i + "].sku_id", "unknown SKU " + sku));
            } else if (!request.sellerId().equals(ref.sellerId())) {
                errors.add(new Problem.FieldError("items[" + i + "].sku_id", "SKU " + sku + " belongs to another seller"));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.unprocessable(errors.stream().map(e -> e.field() + ": " + e.message())
                    .reduce((a, b) -> a + "; " + b).orElse(""), errors);
        }

        // Millisecond precision: what MongoDB stores is what the first answer shows.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String orderId = request.orderId() != null ? request.orderId() : UUID.randomUUID().toString();
        List<Order.Item> items = request.items().stream().map(i -> new Order.Item(i.skuId(), i.quantity(), i.price())).toList();
        Order order = new Order(orderId, tenant, request.sellerId(), request.hubId(), items, Order.totalOf(items),
                OrderStatus.on_hold, null, null, Order.Source.api(), now, now);
        PendingEvent created = events.created(order, now);
        if (orders.insert(OrderDocuments.toDocument(order, List.of(created)))) {
            events.publish(OrderDocuments.id(tenant, orderId), List.of(created));
            return new Created(order, 201);
        }
        // The tenant already has this order id (an earlier or a racing request): same content is the same order.
        Document existing = orders.find(tenant, orderId).orElseThrow(() -> ProblemException.conflict("order " + orderId + " changed concurrently; retry"));
        if (!OrderDocuments.contentHash(order.sellerId(), order.hubId(), items).equals(existing.getString(OrderDocuments.CONTENT_HASH))) {
            throw ProblemException.conflict("order " + orderId + " already exists with other content");
        }
        return new Created(OrderDocuments.fromDocument(existing), 200);
    }

    public Order get(String tenantHeader, String orderId) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        return orders.find(tenant, orderId).map(OrderDocuments::fromDocument)
                .orElseThrow(() -> ProblemException.notFound("order", orderId));
    }

    public Page<Order> list(String tenantHeader, UUID sellerId, UUID hubId, String status, String from, String to,
                            Integer limit, String cursor) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        OrderStatus st = null;
        if (status != null && !status.isBlank()) {
            try {
                st = OrderStatus.valueOf(status);
            } catch (IllegalArgumentException e) {
                throw ProblemException.unprocessable("unknown status " + status,
                        List.of(new Problem.FieldError("status", "must be one of " + java.util.Arrays.toString(OrderStatus.values()))));
            }
        }
        int n = Page.limit(limit);
        List<Document> docs = orders.list(tenant, new OrderRepository.Query(sellerId, hubId, st, instant("from", from), instant("to", to)),
                Cursor.decode(cursor), n);
        return Page.of(docs, n, Cursor::position).map(OrderDocuments::fromDocument);
    }

    private static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw ProblemException.unprocessable(field + " is not an ISO-8601 instant",
                    List.of(new Problem.FieldError(field, "must be an ISO-8601 instant such as 2025-01-31T00:00:00Z")));
        }
    }

    /**
     * Cancels by compare-and-set on the status read, with the {@code order.updated} event in the
     * same write. The IMS allocation is then released (idempotent; also tried for {@code on_hold}
     * orders, because a finalizer may have allocated a moment ago); a failed release stays marked
     * {@code release_state=pending} and is retried by {@link AllocationReleases}.
     */
    public Order cancel(String tenantHeader, String orderId) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        for (int attempt = 0; attempt < 5; attempt++) {
            Document current = orders.find(tenant, orderId).orElseThrow(() -> ProblemException.notFound("order", orderId));
            Order before = OrderDocuments.fromDocument(current);
            if (!OrderStatus.CANCELLABLE.contains(before.status())) {
                throw ProblemException.conflict("order " + orderId + " is " + before.status() + " and can no longer be cancelled");
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Order after = new Order(before.orderId(), before.tenantId(), before.sellerId(), before.hubId(), before.items(),
                    before.total(), OrderStatus.cancelled, null, null, before.source(), before.createdAt(), now);
            PendingEvent updated = events.updated(after, now);
            Optional<Document> changed = orders.changeStatus(tenant, orderId, before.status(), OrderStatus.cancelled, now, updated,
                    Updates.set(OrderDocuments.HOLD_REASON, null), Updates.unset(OrderDocuments.HOLD_DETAILS),
                    Updates.set(OrderRepository.RELEASE_STATE, "pending"));
            if (changed.isPresent()) {
                String docId = OrderDocuments.id(tenant, orderId);
                events.publish(docId, List.of(updated));
                releases.release(tenant, orderId);
                return OrderDocuments.fromDocument(changed.get());
            }
            // The status moved under us (e.g. the finalizer allocated): read again and decide again.
        }
        throw ProblemException.conflict("order " + orderId + " keeps changing; retry");
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
