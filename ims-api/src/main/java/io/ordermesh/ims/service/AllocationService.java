package io.ordermesh.ims.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.catalogue.CatalogueRefs.HubRef;
import io.ordermesh.common.catalogue.CatalogueRefs.SkuRef;
import io.ordermesh.common.inventory.Allocations;
import io.ordermesh.common.inventory.Allocations.Item;
import io.ordermesh.common.inventory.Allocations.Request;
import io.ordermesh.common.inventory.Allocations.Result;
import io.ordermesh.common.inventory.Allocations.Shortage;
import io.ordermesh.common.inventory.Allocations.Status;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.problem.Validation;
import io.ordermesh.ims.repository.InventoryStore;
import io.ordermesh.ims.repository.InventoryStore.AllocationRow;
import io.ordermesh.ims.repository.InventoryStore.Change;
import io.ordermesh.ims.repository.InventoryStore.Level;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Allocation of orders' items: all-or-nothing per order, idempotent on (tenant, order id), never
 * below zero. A single allocation is a batch of one; one code path keeps the guarantees in one place.
 *
 * <p>In one transaction per batch: (1) claim an {@code allocations} row per order, in order-id
 * order: a replay or a racing duplicate finds the row (and waits for an uncommitted one), so it
 * returns the first result instead of allocating twice; (2) lock every level the batch touches in
 * (hub, SKU) order, so concurrent batches queue and never deadlock; (3) decide each order in
 * request order against the locked quantities; (4) apply the decrements with a {@code >= 0}
 * guard, write one audit row per order and SKU, and drop the claims of orders short of stock (an
 * insufficient answer is not remembered: asking again re-evaluates).
 */
@ApplicationScoped
public class AllocationService {

    private static final int MAX_ORDER_ID = 128;
    private static final int MAX_ITEMS = 1000;
    private static final TypeReference<List<Item>> ITEMS = new TypeReference<>() {
    };

    private final InventoryStore store;
    private final Transactions tx;
    private final CatalogueService catalogue;
    private final ObjectMapper json;

    AllocationService(InventoryStore store, Transactions tx, CatalogueService catalogue, ObjectMapper json) {
        this.store = store;
        this.tx = tx;
        this.catalogue = catalogue;
        this.json = json;
    }

    /** One order, as a batch of one; a malformed request is a 422 problem rather than an "invalid" result. */
    public Result allocate(UUID tenant, Request request) {
        if (request == null) {
            throw ProblemException.badRequest("a JSON body is required");
        }
        Validation v = shape(request, "");
        v.throwIfInvalid();
        return allocate(tenant, List.of(request)).get(0);
    }

    public List<Result> allocate(UUID tenant, List<Request> requests) {
        if (requests == null || requests.isEmpty()) {
            throw ProblemException.unprocessable("allocations must list at least one order",
                    List.of(new io.ordermesh.common.problem.Problem.FieldError("allocations", "must not be empty")));
        }
        if (requests.size() > Allocations.MAX_BATCH) {
            throw ProblemException.unprocessable("a batch takes at most " + Allocations.MAX_BATCH + " orders, got " + requests.size(),
                    List.of(new io.ordermesh.common.problem.Problem.FieldError("allocations", "at most " + Allocations.MAX_BATCH + " orders")));
        }
        Map<String, Result> byOrder = new HashMap<>();
        Map<String, Request> pending = new LinkedHashMap<>();
        for (Request r : requests) {
            Validation v = shape(r, "");
            if (!v.valid()) {
                String key = r == null || r.orderId() == null ? null : r.orderId();
                if (key != null) {
                    byOrder.putIfAbsent(key, invalid(r, describe(v)));
                }
            } else {
                pending.putIfAbsent(r.orderId(), normalise(r));
            }
        }
        rejectUnknownCatalogue(tenant, pending, byOrder);
        if (!pending.isEmpty()) {
            byOrder.putAll(tx.inNew(c -> allocateClaimed(c, tenant, new ArrayList<>(pending.values()))));
        }
        List<Result> results = new ArrayList<>(requests.size());
        for (Request r : requests) {
            Result res = r == null || r.orderId() == null ? null : byOrder.get(r.orderId());
            results.add(res != null ? res : invalid(r, describe(shape(r, ""))));
        }
        return results;
    }

    private Map<String, Result> allocateClaimed(Connection c, UUID tenant, List<Request> orders) throws SQLException {
        Instant now = TenantService.now();
        List<Request> sorted = orders.stream().sorted((a, b) -> a.orderId().compareTo(b.orderId())).toList();
        List<String> ids = sorted.stream().map(Request::orderId).toList();
        List<String> claimed = store.claim(c, tenant, ids, sorted.stream().map(Request::hubId).toList(),
                sorted.stream().map(r -> write(r.items())).toList(), now);
        Set<String> claimedSet = new HashSet<>(claimed);
        Map<String, Result> results = new HashMap<>();

        List<String> earlier = ids.stream().filter(id -> !claimedSet.contains(id)).toList();
        if (!earlier.isEmpty()) {
            Map<String, AllocationRow> rows = store.allocations(c, tenant, earlier);
            for (String id : earlier) {
                AllocationRow row = rows.get(id);
                if (row == null) {
                    // The conflicting claim vanished between our insert and our read: run again.
                    throw new SQLException("allocation claim of " + id + " raced", "40001");
                }
                results.put(id, fromRow(row));
            }
        }

        List<Request> mine = orders.stream().filter(r -> claimedSet.contains(r.orderId())).toList();
        if (mine.isEmpty()) {
            return results;
        }
        List<Level> touched = mine.stream()
                .flatMap(r -> r.items().stream().map(i -> new Level(r.hubId(), i.skuId()))).toList();
        Map<Level, Long> available = new HashMap<>(store.lock(c, tenant, touched, false));
        Map<Level, Long> deltas = new HashMap<>();
        List<Change> changes = new ArrayList<>();
        List<String> shortOfStock = new ArrayList<>();
        for (Request r : mine) {
            List<Shortage> shortages = new ArrayList<>();
            for (Item i : r.items()) {
                long have = available.getOrDefault(new Level(r.hubId(), i.skuId()), 0L);
                if (have < i.quantity()) {
                    shortages.add(new Shortage(i.skuId(), i.quantity(), (int) Math.min(have, Integer.MAX_VALUE)));
                }
            }
            if (!shortages.isEmpty()) {
                shortOfStock.add(r.orderId());
                results.put(r.orderId(), new Result(r.orderId(), Status.insufficient, r.hubId(), r.items(), shortages, null, null));
                continue;
            }
            for (Item i : r.items()) {
                Level l = new Level(r.hubId(), i.skuId());
                long after = available.merge(l, (long) -i.quantity(), Long::sum);
                deltas.merge(l, (long) -i.quantity(), Long::sum);
                changes.add(new Change(r.hubId(), i.skuId(), -i.quantity(), after, "allocation", r.orderId()));
            }
            results.put(r.orderId(), new Result(r.orderId(), Status.allocated, r.hubId(), r.items(), List.of(), now, null));
        }
        store.applyDeltas(c, tenant, deltas);
        store.record(c, tenant, changes);
        store.unclaim(c, tenant, shortOfStock);
        return results;
    }

    /**
     * Gives an order's stock back. Idempotent; an order never allocated gets a tombstone so that an
     * allocation arriving later (a cancel that raced the finalizer) takes nothing.
     */
    public Result release(UUID tenant, String orderId) {
        if (orderId == null || orderId.isBlank() || orderId.length() > MAX_ORDER_ID) {
            throw ProblemException.badRequest("order id must be 1-" + MAX_ORDER_ID + " characters");
        }
        return tx.inNew(c -> {
            AllocationRow before = store.release(c, tenant, orderId);
            List<Item> items = read(before.itemsJson());
            if ("allocated".equals(before.status()) && !items.isEmpty()) {
                List<Level> levels = items.stream().map(i -> new Level(before.hubId(), i.skuId())).toList();
                Map<Level, Long> onHand = new HashMap<>(store.lock(c, tenant, levels, true));
                Map<Level, Long> deltas = new TreeMap<>();
                List<Change> changes = new ArrayList<>();
                for (Item i : items) {
                    Level l = new Level(before.hubId(), i.skuId());
                    long after = onHand.merge(l, (long) i.quantity(), Long::sum);
                    deltas.merge(l, (long) i.quantity(), Long::sum);
                    changes.add(new Change(before.hubId(), i.skuId(), i.quantity(), after, "release", orderId));
                }
                store.applyDeltas(c, tenant, deltas);
                store.record(c, tenant, changes);
            }
            return new Result(orderId, Status.released, before.hubId(), items, List.of(), before.allocatedAt(), null);
        });
    }

    public Result get(UUID tenant, String orderId) {
        AllocationRow row = tx.inNew(c -> store.allocations(c, tenant, List.of(orderId)).get(orderId));
        if (row == null) {
            throw ProblemException.notFound("allocation of order", orderId);
        }
        return fromRow(row);
    }

    private void rejectUnknownCatalogue(UUID tenant, Map<String, Request> pending, Map<String, Result> byOrder) {
        if (pending.isEmpty()) {
            return;
        }
        Map<UUID, HubRef> hubs = catalogue.hubs(tenant, pending.values().stream().map(Request::hubId).toList());
        Map<UUID, SkuRef> skus = catalogue.skus(tenant,
                pending.values().stream().flatMap(r -> r.items().stream().map(Item::skuId)).toList());
        pending.values().removeIf(r -> {
            List<String> unknown = new ArrayList<>();
            if (!hubs.containsKey(r.hubId())) {
                unknown.add("hub " + r.hubId());
            }
            r.items().stream().map(Item::skuId).filter(s -> !skus.containsKey(s)).forEach(s -> unknown.add("sku " + s));
            if (unknown.isEmpty()) {
                return false;
            }
            byOrder.put(r.orderId(), invalid(r, "unknown " + String.join(", ", unknown)));
            return true;
        });
    }

    private static Validation shape(Request r, String prefix) {
        Validation v = Validation.of();
        if (r == null) {
            return v.error(prefix + "order_id", "is required");
        }
        v.require(prefix + "order_id", r.orderId()).require(prefix + "hub_id", r.hubId());
        if (r.orderId() != null && r.orderId().length() > MAX_ORDER_ID) {
            v.error(prefix + "order_id", "must be at most " + MAX_ORDER_ID + " characters");
        }
        if (r.items() == null || r.items().isEmpty()) {
            v.error(prefix + "items", "must list at least one item");
        } else if (r.items().size() > MAX_ITEMS) {
            v.error(prefix + "items", "must list at most " + MAX_ITEMS + " items");
        } else {
            for (int i = 0; i < r.items().size(); i++) {
                Item item = r.items().get(i);
                if (item == null) {
                    v.error(prefix + "items[" + i + "]", "is required");
                    continue;
                }
                v.require(prefix + "items[" + i + "].sku_id", item.skuId());
                if (item.quantity() <= 0) {
                    v.error(prefix + "items[" + i + "].quantity", "must be greater than 0");
                }
            }
        }
        return v;
    }

    /** The same SKU listed twice in one order counts once, with the quantities added up. */
    private static Request normalise(Request r) {
        Map<UUID, Integer> merged = new TreeMap<>();
        for (Item i : r.items()) {
            merged.merge(i.skuId(), i.quantity(), Math::addExact);
        }
        List<Item> items = merged.entrySet().stream().map(e -> new Item(e.getKey(), e.getValue())).toList();
        return new Request(r.orderId(), r.hubId(), items);
    }

    private static String describe(Validation v) {
        return v.errors().stream().map(e -> e.field() + " " + e.message()).reduce((a, b) -> a + "; " + b).orElse("invalid");
    }

    private static Result invalid(Request r, String error) {
        return new Result(r == null ? null : r.orderId(), Status.invalid, r == null ? null : r.hubId(),
                r == null ? List.of() : r.items(), List.of(), null, error);
    }

    private Result fromRow(AllocationRow row) {
        Status status = "allocated".equals(row.status()) ? Status.allocated : Status.released;
        return new Result(row.orderId(), status, row.hubId(), read(row.itemsJson()), List.of(), row.allocatedAt(), null);
    }

    private String write(List<Item> items) {
        try {
            return json.writeValueAsString(items);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Item> read(String items) {
        try {
            return json.readValue(items, ITEMS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
