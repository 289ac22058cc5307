package io.ordermesh.systemtests;

import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import org.bson.Document;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The promises of DESIGN.md, checked for one tenant at the end of a scenario, in one place:
 * <ol>
 * <li>every accepted order is in MongoDB exactly once, and nothing else is (nothing lost, no duplicate);</li>
 * <li>the orders reach the expected counts by status, with nothing left unpublished;</li>
 * <li>IMS holds one {@code allocated} row for exactly the {@code new_order} orders;</li>
 * <li>each level = units stocked − units of {@code new_order} orders ≥ 0, and = the sum of its transaction deltas;</li>
 * <li>every order's {@code order.created} and its latest {@code order.updated} reached the tenant's
 * endpoint with a valid signature, every delivery of the tenant is succeeded or in {@code webhook_logs},
 * and the endpoint received nothing of another tenant.</li>
 * </ol>
 */
public final class Promises {

    /** What the scenario expects: counts by status and, if ≥ 0, the exact number of distinct order.updated deliveries per order. */
    public record Expect(long newOrder, long onHold, int updatesPerOrder) {
    }

    /** What was found, for the report. */
    public record Found(long orders, long newOrder, long onHold, long allocations, long deliveries, long received,
                        long repeats, double ordersSettledSeconds, double webhooksSettledSeconds, long retried5xx) {
        @Override
        public String toString() {
            return String.format("orders %d (new_order %d, on_hold %d), allocations %d, webhook deliveries %d "
                            + "(received %d; %d repeats so far in the run), orders settled in %.1f s, webhooks in %.1f s after that%s",
                    orders, newOrder, onHold, allocations, deliveries, received, repeats, ordersSettledSeconds, webhooksSettledSeconds,
                    retried5xx == 0 ? "" : ", " + retried5xx + " POST /orders retried after a 5xx");
        }
    }

    private Promises() {
    }

    public static Found check(Shop shop, Expect expect, Duration within) {
        Suite suite = shop.suite;
        var orders = suite.db().getCollection("orders");
        long total = expect.newOrder() + expect.onHold();
        assertEquals(total, shop.accepted.size(), "the scenario's own count of accepted orders");

        // 1, 2: wait until the pipeline is quiet for this tenant, then compare.
        long t0 = System.nanoTime();
        // One grouped scan per poll: the embedded server has no secondary index, and the pipeline under test shares it.
        java.util.concurrent.atomic.AtomicReference<Map<String, Long>> last = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            await().atMost(within).pollInterval(Duration.ofSeconds(5)).until(() -> {
                Map<String, Long> byStatus = statusCounts(orders, shop.tenant);
                last.set(byStatus);
                return byStatus.getOrDefault("new_order", 0L) == expect.newOrder()
                        && byStatus.getOrDefault("on_hold", 0L) == expect.onHold()
                        && byStatus.values().stream().mapToLong(Long::longValue).sum() == total
                        && orders.countDocuments(Filters.and(Filters.eq("tenant_id", shop.tenant), Filters.exists("pending_events.0"))) == 0;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("orders by status " + last.get() + ", expected " + expect + " after " + within
                    + "; services not ready: " + suite.notReady(), e);
        }
        double ordersSettled = (System.nanoTime() - t0) / 1e9;
        List<Document> docs = orders.find(Filters.eq("tenant_id", shop.tenant))
                .projection(Projections.include("order_id", "status", "items", "outbox_hold")).into(new ArrayList<>());
        Map<String, Document> byId = new HashMap<>();
        for (Document d : docs) {
            assertTrue(byId.put(d.getString("order_id"), d) == null, "order " + d.getString("order_id") + " stored twice");
            assertTrue(!Boolean.TRUE.equals(d.getBoolean("outbox_hold")), "order " + d.getString("order_id") + " never released");
        }
        assertEquals(shop.accepted, byId.keySet(), "exactly the accepted orders exist: none lost, none extra");
        Set<String> newOrders = byId.values().stream().filter(d -> "new_order".equals(d.getString("status")))
                .map(d -> d.getString("order_id")).collect(Collectors.toSet());
        assertEquals(expect.newOrder(), newOrders.size(), "new_order count");

        // 3, 4: IMS, read from its own database.
        Map<String, Long> allocatedUnits = new HashMap<>();
        for (String id : newOrders) {
            for (Document item : byId.get(id).getList("items", Document.class)) {
                allocatedUnits.merge(item.getString("sku_id"), item.get("quantity", Number.class).longValue(), Long::sum);
            }
        }
        long allocationRows;
        try (Connection c = suite.imsDb()) {
            Set<String> allocated = new HashSet<>();
            try (PreparedStatement s = c.prepareStatement("SELECT order_id FROM allocations WHERE tenant_id = ? AND status = 'allocated'")) {
                s.setObject(1, UUID.fromString(shop.tenant));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        allocated.add(rs.getString(1));
                    }
                }
            }
            allocationRows = allocated.size();
            assertEquals(newOrders, allocated, "one allocation for exactly the new_order orders");
            try (PreparedStatement s = c.prepareStatement("""
                    SELECT i.sku_id, i.quantity_on_hand, COALESCE(SUM(t.delta), 0), COUNT(t.id)
                    FROM inventory i LEFT JOIN inventory_transactions t
                      ON t.tenant_id = i.tenant_id AND t.hub_id = i.hub_id AND t.sku_id = i.sku_id
                    WHERE i.tenant_id = ? AND i.hub_id = ? GROUP BY i.sku_id, i.quantity_on_hand""")) {
                s.setObject(1, UUID.fromString(shop.tenant));
                s.setObject(2, UUID.fromString(shop.hub));
                int levels = 0;
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        levels++;
                        String sku = rs.getString(1);
                        long level = rs.getLong(2);
                        assertTrue(level >= 0, "level of " + sku + " below zero: " + level);
                        assertEquals(level, rs.getLong(3), "transaction deltas of " + sku + " sum to its level");
                        assertEquals(shop.stocked.get(sku) - allocatedUnits.getOrDefault(sku, 0L), level,
                                "level of " + sku + " = stocked − allocated (no oversell, no double allocation)");
                    }
                }
                assertEquals(shop.skus.size(), levels, "a level per SKU");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }

        // 5: webhooks, as the tenant's endpoint saw them, then as the dispatcher recorded them.
        long t1 = System.nanoTime();
        Map<String, String> finalStatus = byId.values().stream().collect(Collectors.toMap(d -> d.getString("order_id"), d -> d.getString("status")));
        try {
            await().atMost(within).pollInterval(Duration.ofSeconds(2)).until(() -> missingWebhooks(shop, finalStatus) == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(missingWebhooks(shop, finalStatus) + " of " + finalStatus.size() + " orders still miss a webhook after "
                    + within + "; services not ready: " + suite.notReady(), e);
        }
        var deliveries = suite.db().getCollection("webhook_deliveries");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).until(() ->
                deliveries.countDocuments(Filters.and(Filters.eq("tenant_id", shop.tenant), Filters.in("status", "pending", "in_flight"))) == 0);
        double webhooksSettled = (System.nanoTime() - t1) / 1e9;
        List<Document> recorded = deliveries.find(Filters.eq("tenant_id", shop.tenant))
                .projection(Projections.include("_id", "status", "order_id", "event_type")).into(new ArrayList<>());
        List<Receiver.Arrival> received = suite.receiver.deliveredTo(shop.tenant);
        Set<String> receivedIds = received.stream().map(Receiver.Arrival::webhookId).collect(Collectors.toSet());
        Set<String> logged = suite.db().getCollection("webhook_logs").find(Filters.eq("tenant_id", shop.tenant))
                .projection(Projections.include("_id")).map(d -> d.getString("_id")).into(new HashSet<>());
        for (Document d : recorded) {
            String id = d.getString("_id");
            String status = d.getString("status");
            if ("succeeded".equals(status)) {
                assertTrue(receivedIds.contains(id), "delivery " + id + " recorded as succeeded but never arrived validly signed");
            } else {
                assertEquals("failed", status, "delivery " + id);
                assertTrue(logged.contains(id), "failed delivery " + id + " is in webhook_logs");
            }
        }
        assertEquals(recorded.size(), receivedIds.size() + logged.size(),
                "every recorded delivery arrived or is logged, and nothing arrived that was not recorded");
        assertEquals(List.of(), suite.receiver.invalid().stream().filter(a -> shop.tenant.equals(a.pathTenant())).toList(),
                "every delivery's signature verifies");
        assertEquals(List.of(), received.stream().filter(a -> !shop.tenant.equals(a.tenantId())).toList(),
                "the tenant's endpoint received only its own orders");
        Map<String, Long> created = received.stream().filter(a -> "order.created".equals(a.type()))
                .collect(Collectors.groupingBy(Receiver.Arrival::orderId, Collectors.counting()));
        assertEquals(finalStatus.keySet(), created.keySet(), "an order.created webhook per order");
        assertEquals(Set.of(1L), new HashSet<>(created.values()), "one order.created webhook per order");
        if (expect.updatesPerOrder() >= 0) {
            Map<String, Long> updated = received.stream().filter(a -> "order.updated".equals(a.type()))
                    .collect(Collectors.groupingBy(Receiver.Arrival::orderId, Collectors.counting()));
            assertEquals(finalStatus.keySet(), updated.keySet(), "order.updated webhooks");
            assertEquals(Set.of((long) expect.updatesPerOrder()), new HashSet<>(updated.values()),
                    expect.updatesPerOrder() + " order.updated webhook(s) per order");
        }
        return new Found(docs.size(), expect.newOrder(), expect.onHold(), allocationRows, recorded.size(), receivedIds.size(),
                suite.receiver.repeats(), ordersSettled, webhooksSettled, shop.serverErrors.get());
    }

    private static Map<String, Long> statusCounts(com.mongodb.client.MongoCollection<Document> orders, String tenant) {
        Map<String, Long> counts = new HashMap<>();
        orders.aggregate(List.of(Aggregates.match(Filters.eq("tenant_id", tenant)), Aggregates.group("$status", Accumulators.sum("n", 1))))
                .forEach(d -> counts.put(String.valueOf(d.get("_id")), d.get("n", Number.class).longValue()));
        return counts;
    }

    /** Orders whose order.created or whose order.updated in their final status has not reached the endpoint yet. */
    private static long missingWebhooks(Shop shop, Map<String, String> finalStatus) {
        Set<String> created = new HashSet<>();
        Set<String> updatedToFinal = new HashSet<>();
        for (Receiver.Arrival a : shop.suite.receiver.deliveredTo(shop.tenant)) {
            if ("order.created".equals(a.type())) {
                created.add(a.orderId());
            } else if ("order.updated".equals(a.type()) && a.status() != null && a.status().equals(finalStatus.get(a.orderId()))) {
                updatedToFinal.add(a.orderId());
            }
        }
        return finalStatus.keySet().stream().filter(id -> !created.contains(id) || !updatedToFinal.contains(id)).count();
    }
}
