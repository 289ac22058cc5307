package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.service.Finalizer;
import io.ordermesh.finalizer.support.Awaits;
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
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.ordermesh.finalizer.support.Awaits.count;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Cancelled orders are never allocated, and a cancel racing an allocation ends with the stock released. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class CancelRaceTest {

    @Inject
    OrderStore store;
    @Inject
    Finalizer finalizer;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    /** What oms-api's cancel does: compare-and-set to cancelled, then release in IMS. */
    private boolean cancel(ImsData ims, ImsData.Tenant t, String orderId, boolean release) {
        boolean changed = store.orders().updateOne(Filters.and(Filters.eq(OrderDocuments.ID, OrderDocuments.id(t.id(), orderId)),
                Filters.in(OrderDocuments.STATUS, "on_hold", "new_order")), Updates.set(OrderDocuments.STATUS, "cancelled"))
                .getModifiedCount() == 1;
        if (changed && release) {
            ims.release(t, orderId);
        }
        return changed;
    }

    @Test
    void aCancelLandingAfterImsAllocatedMakesTheFinalizerReleaseTheStock() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 10);
        Order order = OrderFeed.order(t, "late-cancel", ImsData.items(t.skus().get(0), 3));
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(List.of(order)); // no event: this test drives the finalizer itself
        }
        Document snapshot = Awaits.order(store.orders(), t.id(), order.orderId());
        // The cancel's compare-and-set lands between the finalizer's read and its write; its own
        // release has not happened yet (oms-api crashed, or is slower): the finalizer must release.
        cancel(ims, t, order.orderId(), false);

        Finalizer.Outcome outcome = finalizer.finalizeOrders(List.of(snapshot));

        assertEquals(0, outcome.allocated());
        assertEquals("cancelled", Awaits.order(store.orders(), t.id(), order.orderId()).getString("status"));
        assertEquals("released", ims.allocationStatus(t, order.orderId()));
        assertEquals(10, ims.level(t, t.skus().get(0)));
    }

    @Test
    void anOrderCancelledBeforeItsEventIsNeverAllocated() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 10);
        Order cancelled = OrderFeed.order(t, "cancelled-first", ImsData.items(t.skus().get(0), 1));
        Order sentinel = OrderFeed.order(t, "after-cancelled", ImsData.items(t.skus().get(0), 1));
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(List.of(cancelled, sentinel));
            cancel(ims, t, cancelled.orderId(), false);
            feed.send(2, cancelled.orderId(), feed.value(io.ordermesh.common.events.OrderEvent.created(cancelled, cancelled.createdAt())));
            feed.send(2, sentinel.orderId(), feed.value(io.ordermesh.common.events.OrderEvent.created(sentinel, sentinel.createdAt())));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "new_order".equals(
                Awaits.order(store.orders(), t.id(), sentinel.orderId()).getString("status")));
        assertNull(ims.allocationStatus(t, cancelled.orderId()), "IMS was asked to allocate a cancelled order");
        assertEquals(9, ims.level(t, t.skus().get(0)));
    }

    @Test
    void cancelsRacingTheConsumerNeverLeaveStockAllocated() throws Exception {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 1000);
        List<Order> orders = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            orders.add(OrderFeed.order(t, "race-" + i, ImsData.items(t.skus().get(0), 2)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(orders);
            Future<?> publishing = pool.submit(() -> feed.publish(orders));
            List<Future<?>> cancels = new ArrayList<>();
            for (int w = 0; w < 5; w++) {
                int worker = w;
                cancels.add(pool.submit(() -> {
                    for (int i = worker * 2; i < orders.size(); i += 10) { // every even order, spread over 5 threads
                        cancel(ims, t, orders.get(i).orderId(), true);
                    }
                }));
            }
            publishing.get();
            for (Future<?> f : cancels) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> count(store.orders(), t.id(), "new_order") == 150);
        assertEquals(150, count(store.orders(), t.id(), "cancelled"));
        // 150 kept orders of 2 units each: the stock of every cancelled order came back.
        await().atMost(Duration.ofSeconds(30)).until(() -> ims.level(t, t.skus().get(0)) == 700);
        for (int i = 0; i < orders.size(); i += 2) {
            String status = ims.allocationStatus(t, orders.get(i).orderId());
            assertEquals("released", status, "allocation of cancelled " + orders.get(i).orderId());
        }
        long sum = ims.transactions(t, t.skus().get(0)).stream().mapToLong(r -> ((Number) r.get("delta")).longValue()).sum();
        assertEquals(700, sum, "audit rows sum to the level");
    }
}
