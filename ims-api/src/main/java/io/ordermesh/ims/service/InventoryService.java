package io.ordermesh.ims.service;

import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.problem.Validation;
import io.ordermesh.ims.repository.InventoryStore;
import io.ordermesh.ims.repository.InventoryStore.Change;
import io.ordermesh.ims.repository.InventoryStore.Level;
import io.ordermesh.ims.repository.InventoryStore.Transaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Inventory levels: read, set absolutely, adjust relatively; each change with exactly one audit row. */
@ApplicationScoped
public class InventoryService {

    private static final int MAX_SKUS_PER_READ = 1000;

    private final InventoryStore store;
    private final Transactions tx;
    private final CatalogueService catalogue;

    InventoryService(InventoryStore store, Transactions tx, CatalogueService catalogue) {
        this.store = store;
        this.tx = tx;
        this.catalogue = catalogue;
    }

    public record LevelView(UUID hubId, UUID skuId, long quantityOnHand, Instant updatedAt) {
    }

    public record SetLevel(UUID hubId, UUID skuId, Long quantityOnHand, Long expectedQuantity, String reason) {
    }

    public record Adjustment(UUID hubId, UUID skuId, Long delta, String reason, String reference) {
    }

    public record TransactionView(long id, UUID hubId, UUID skuId, long delta, long quantityAfter, String reason,
                                  String reference, Instant createdAt) {
        static TransactionView of(Transaction t) {
            return new TransactionView(t.id(), t.hubId(), t.skuId(), t.delta(), t.quantityAfter(), t.reason(), t.reference(),
                    t.createdAt());
        }
    }

    /** One row per requested SKU, in the order asked; a combination never stocked is 0. */
    public List<LevelView> levels(UUID tenant, UUID hub, List<UUID> skus) {
        if (hub == null) {
            throw ProblemException.badRequest("hub_id is required");
        }
        if (skus.isEmpty() || skus.size() > MAX_SKUS_PER_READ) {
            throw ProblemException.badRequest("sku_ids must list 1 to " + MAX_SKUS_PER_READ + " SKU ids");
        }
        requireKnown(tenant, hub, skus);
        Map<UUID, InventoryStore.Stock> stock = tx.inNew(c -> store.levels(c, tenant, hub, skus));
        return skus.stream().map(s -> {
            InventoryStore.Stock level = stock.get(s);
            return level == null ? new LevelView(hub, s, 0, null) : new LevelView(hub, s, level.quantityOnHand(), level.updatedAt());
        }).toList();
    }

    public LevelView set(UUID tenant, SetLevel in) {
        Validation v = Validation.of().require("hub_id", in.hubId()).require("sku_id", in.skuId())
                .require("quantity_on_hand", in.quantityOnHand());
        if (in.quantityOnHand() != null && in.quantityOnHand() < 0) {
            v.error("quantity_on_hand", "must not be negative");
        }
        if (in.expectedQuantity() != null && in.expectedQuantity() < 0) {
            v.error("expected_quantity", "must not be negative");
        }
        v.throwIfInvalid();
        requireKnown(tenant, in.hubId(), List.of(in.skuId()));
        Level level = new Level(in.hubId(), in.skuId());
        String reason = in.reason() == null || in.reason().isBlank() ? "set" : in.reason().trim();
        tx.inNew(c -> {
            long current = store.lock(c, tenant, List.of(level), true).get(level);
            if (in.expectedQuantity() != null && in.expectedQuantity() != current) {
                throw ProblemException.conflict("expected_quantity is " + in.expectedQuantity() + " but the level is "
                        + current + "; read it again and retry");
            }
            long delta = in.quantityOnHand() - current;
            if (delta != 0) {
                store.applyDeltas(c, tenant, Map.of(level, delta));
                store.record(c, tenant, List.of(new Change(in.hubId(), in.skuId(), delta, in.quantityOnHand(), reason, null)));
            }
            return null;
        });
        return levels(tenant, in.hubId(), List.of(in.skuId())).get(0);
    }

    public LevelView adjust(UUID tenant, Adjustment in) {
        Validation v = Validation.of().require("hub_id", in.hubId()).require("sku_id", in.skuId())
                .require("delta", in.delta()).require("reason", in.reason());
        if (in.delta() != null && in.delta() == 0) {
            v.error("delta", "must not be 0");
        }
        v.throwIfInvalid();
        requireKnown(tenant, in.hubId(), List.of(in.skuId()));
        Level level = new Level(in.hubId(), in.skuId());
        tx.inNew(c -> {
            long current = store.lock(c, tenant, List.of(level), in.delta() > 0).getOrDefault(level, 0L);
            long after = current + in.delta();
            if (after < 0) {
                throw new ProblemException(Problem.of(422, "insufficient-stock", "Insufficient stock",
                        "the adjustment of " + in.delta() + " would take the level below zero: it is " + current)
                        .withErrors(List.of(new Problem.FieldError("delta", "exceeds the " + current + " on hand"))));
            }
            store.applyDeltas(c, tenant, Map.of(level, in.delta()));
            store.record(c, tenant, List.of(new Change(in.hubId(), in.skuId(), in.delta(), after, in.reason().trim(),
                    in.reference())));
            return null;
        });
        return levels(tenant, in.hubId(), List.of(in.skuId())).get(0);
    }

    public Page<TransactionView> transactions(UUID tenant, UUID hub, UUID sku, String reference, Instant from, Instant to,
                                              Integer limit, String cursor) {
        int n = Page.limit(limit);
        String position = Page.decode(cursor);
        Long before;
        try {
            before = position == null ? null : Long.valueOf(position);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("cursor is not valid; use next_cursor from a previous page");
        }
        List<TransactionView> rows = tx.inNew(c -> store.transactions(c, tenant, hub, sku, reference, from, to, before, n + 1))
                .stream().map(TransactionView::of).toList();
        return Page.of(rows, n, t -> Long.toString(t.id()));
    }

    /** Unknown (or another tenant's) hub or SKUs: 404 naming them. */
    private void requireKnown(UUID tenant, UUID hub, List<UUID> skus) {
        if (catalogue.hubs(tenant, List.of(hub)).isEmpty()) {
            throw ProblemException.notFound("hub", hub);
        }
        Set<UUID> known = catalogue.skus(tenant, skus).keySet();
        List<UUID> unknown = new ArrayList<>(skus.stream().filter(s -> !known.contains(s)).distinct().toList());
        if (!unknown.isEmpty()) {
            throw ProblemException.notFound(unknown.size() == 1 ? "sku" : "skus", unknown.size() == 1 ? unknown.get(0) : unknown);
        }
    }
}
