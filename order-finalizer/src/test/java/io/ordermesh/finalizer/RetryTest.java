package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.support.Awaits;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.ordermesh.finalizer.support.Awaits.count;
import static io.ordermesh.finalizer.support.Awaits.held;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Held orders: details of the hold, the scheduled retry, the immediate retry, and leases. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class RetryTest {

    @Inject
    OrderStore store;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    private List<Order> heldOrders(ImsData.Tenant t, String prefix, int n) {
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            orders.add(OrderFeed.order(t, prefix + i, ImsData.items(t.skus().get(0), 1)));
        }
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insertAndPublish(orders);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> held(store.orders(), t.id(), "INSUFFICIENT_STOCK") == n);
        return orders;
    }

    private long retryEntries(UUID tenant) {
        return store.retries().countDocuments(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()));
    }

    @Test
    void heldOrdersBecomeNewOrderByTheScheduledRetryOnceStockArrives() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        UUID sku = t.skus().get(0);
        List<Order> orders = heldOrders(t, "later-", 20);
        Document one = Awaits.order(store.orders(), t.id(), "later-0");
        Document shortage = one.getList(OrderDocuments.HOLD_DETAILS, Document.class).get(0);
        assertEquals(sku.toString(), shortage.getString("sku_id"));
        assertEquals(1, shortage.getInteger("requested"));
        assertEquals(0, shortage.getInteger("available"));
        assertNotNull(one.getDate(OrderStore.NEXT_RETRY_AT));
        assertEquals(20, retryEntries(t.id()), "every order waiting for stock has a retry entry");

        ims.setStock(t, sku, 20);
        // No trigger: only the scheduled run (every 2 s in tests, per-order backoff 1 s doubling, cap 20 s).
        await().atMost(Duration.ofSeconds(90)).until(() -> count(store.orders(), t.id(), "new_order") == 20);
        assertEquals(0, ims.level(t, sku));
        // Dropped right after the decisions are written.
        await().atMost(Duration.ofSeconds(10)).until(() -> retryEntries(t.id()) == 0);
        Set<String> ids = new HashSet<>(orders.stream().map(Order::orderId).toList());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<OrderEvent> events = OrderFeed.events(json, topics.orderUpdated(), ids);
            Set<String> held = new HashSet<>();
            Set<String> finalized = new HashSet<>();
            for (OrderEvent e : events) {
                if (e.order().status() == OrderStatus.new_order) {
                    finalized.add(e.order().orderId());
                } else if ("INSUFFICIENT_STOCK".equals(e.order().holdReason())) {
                    held.add(e.order().orderId());
                }
            }
            assertEquals(ids, held, "each order announced its hold once");
            assertEquals(ids, finalized, "each order announced new_order");
        });
    }

    @Test
    void postRetriesMakesMatchingHeldOrdersDueNow() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        UUID sku = t.skus().get(0);
        heldOrders(t, "now-", 10);
        // Far in the future, as after many attempts: only the trigger can bring them back soon.
        store.retries().updateMany(Filters.eq(OrderDocuments.TENANT_ID, t.id().toString()),
                Updates.set(OrderStore.DUE_AT, Date.from(Instant.now().plusSeconds(3600))));
        ims.setStock(t, sku, 10);

        given().contentType(ContentType.JSON).header(Tenants.HEADER, t.id().toString())
                .body(Map.of("hub_id", t.hub().toString(), "sku_ids", List.of(sku.toString())))
                .post("/retries").then().statusCode(202).body("orders_due", equalTo(10));
        await().atMost(Duration.ofSeconds(60)).until(() -> count(store.orders(), t.id(), "new_order") == 10);
    }

    @Test
    void postRetriesNeedsAKnownTenantAndTouchesOnlyItsOwnOrders() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant mine = ims.tenant(1);
        ImsData.Tenant other = ims.tenant(1);
        heldOrders(other, "other-", 3);
        store.retries().updateMany(Filters.eq(OrderDocuments.TENANT_ID, other.id().toString()),
                Updates.set(OrderStore.DUE_AT, Date.from(Instant.now().plusSeconds(3600))));

        given().contentType(ContentType.JSON).body("{}").post("/retries").then().statusCode(400)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON).header(Tenants.HEADER, UUID.randomUUID().toString()).body("{}")
                .post("/retries").then().statusCode(404).contentType("application/problem+json");
        given().contentType(ContentType.JSON).header(Tenants.HEADER, mine.id().toString()).body("{}")
                .post("/retries").then().statusCode(202).body("orders_due", equalTo(0));
        assertEquals(3, store.retries().countDocuments(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, other.id().toString()),
                Filters.gt(OrderStore.DUE_AT, Date.from(Instant.now().plusSeconds(3000))))));
    }

    @Test
    void concurrentClaimsNeverTakeTheSameOrderTwice() throws Exception {
        UUID tenant = UUID.randomUUID();
        List<Document> docs = new ArrayList<>();
        // Due two hours from now: the app's own scheduled run (real clock) leaves them alone, the
        // workers below claim with a clock three hours ahead.
        Instant due = Instant.now().plusSeconds(7200);
        Instant workerNow = Instant.now().plusSeconds(3 * 3600);
        Map<String, Instant> dueAt = new java.util.HashMap<>();
        for (int i = 0; i < 300; i++) {
            Order o = OrderFeed.order(tenant, UUID.randomUUID(), UUID.randomUUID(), "lease-" + i, ImsData.items(UUID.randomUUID(), 1));
            Document d = OrderDocuments.toDocument(o, List.of()).append(OrderDocuments.HOLD_REASON, "INSUFFICIENT_STOCK");
            docs.add(d);
            dueAt.put(d.getString(OrderDocuments.ID), due.plusMillis(i));
        }
        store.orders().insertMany(docs);
        store.scheduleRetries(docs, dueAt);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Map<String, String>>> claims = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String worker = "worker-" + w;
                Callable<Map<String, String>> claim = () -> {
                    Map<String, String> mine = new java.util.HashMap<>();
                    for (int round = 0; round < 10; round++) {
                        String owner = worker + "-" + round;
                        store.claimRetries(store.dueRetries(workerNow, 50), owner, workerNow.plusSeconds(600)).stream()
                                .filter(d -> tenant.toString().equals(d.getString(OrderDocuments.TENANT_ID)))
                                .forEach(d -> assertNull(mine.put(d.getString(OrderDocuments.ID), owner)));
                    }
                    return mine;
                };
                claims.add(pool.submit(claim));
            }
            Map<String, String> claimedBy = new java.util.HashMap<>();
            for (Future<Map<String, String>> f : claims) {
                f.get().forEach((id, owner) -> assertNull(claimedBy.put(id, owner), "claimed twice: " + id));
            }
            assertEquals(300, claimedBy.size(), "every due order claimed once");
            for (Document e : store.retries().find(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()))) {
                String owner = e.getString(OrderStore.LEASE_OWNER);
                assertNotNull(owner, "unclaimed: " + e.get("_id"));
                assertEquals(owner, claimedBy.get(e.getString(OrderDocuments.ID)), "the stored lease names the one claimer");
                assertTrue(e.getDate(OrderStore.DUE_AT).after(Date.from(workerNow)), "a claimed entry is not due again before its lease ends");
            }
        } finally {
            pool.shutdownNow();
            store.orders().deleteMany(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()));
            store.retries().deleteMany(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()));
        }
    }
}
