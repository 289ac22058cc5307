package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.ordermesh.finalizer.support.Awaits.count;
import static io.ordermesh.finalizer.support.Awaits.held;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Promise 1 through the finalizer: many orders, scarce stock, several consumers of the group at once. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class AllocationUnderContentionTest {

    @Inject
    OrderStore store;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @Inject
    FinalizerConfig config;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    @Test
    void fiveThousandOrdersOnScarceStockAllocateExactlyTheStockAndHoldTheRest() {
        assertTrue(config.consumer().threads() >= 2, "the test wants several consumers in the group");
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(3);
        long[] stock = {300, 500, 700};
        for (int s = 0; s < 3; s++) {
            ims.setStock(t, t.skus().get(s), stock[s]);
        }
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            orders.add(OrderFeed.order(t, "c-" + i, ImsData.items(t.skus().get(i % 3), 1)));
        }
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insertAndPublish(orders);
        }

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() ->
                count(store.orders(), t.id(), "new_order") == 1500 && held(store.orders(), t.id(), "INSUFFICIENT_STOCK") == 3500);

        Set<String> allocatedOrders = new HashSet<>();
        for (Document d : store.orders().find(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, t.id().toString()),
                Filters.eq(OrderDocuments.STATUS, "new_order")))) {
            allocatedOrders.add(d.getString(OrderDocuments.ORDER_ID));
        }
        for (int s = 0; s < 3; s++) {
            UUID sku = t.skus().get(s);
            assertEquals(0, ims.level(t, sku), "level of sku " + s);
            List<Map<String, Object>> rows = ims.transactions(t, sku);
            // one row for the initial stock, one per allocated order, and they sum to the level
            assertEquals(stock[s] + 1, rows.size(), "audit rows of sku " + s);
            assertEquals(0, rows.stream().mapToLong(r -> ((Number) r.get("delta")).longValue()).sum());
            List<Map<String, Object>> allocations = rows.stream().filter(r -> "allocation".equals(r.get("reason"))).toList();
            assertEquals(stock[s], allocations.size());
            allocations.forEach(r -> assertTrue(allocatedOrders.contains((String) r.get("reference")),
                    "IMS allocated " + r.get("reference") + " but the order is not new_order"));
        }
        // Every finalized order announced its new status (at least once).
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            Set<String> announced = new HashSet<>();
            for (OrderEvent e : OrderFeed.events(json, topics.orderUpdated(), allocatedOrders)) {
                if (e.order().status() == OrderStatus.new_order) {
                    announced.add(e.order().orderId());
                }
            }
            assertEquals(allocatedOrders, announced);
        });
        // Drop this tenant's 5,000 orders: the embedded server scans whole collections (no secondary
        // indexes), so leaving them would slow every later test of the run, and the held ones would keep retrying.
        store.orders().deleteMany(Filters.eq(OrderDocuments.TENANT_ID, t.id().toString()));
    }
}
