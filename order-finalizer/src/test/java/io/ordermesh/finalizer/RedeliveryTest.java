package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.support.Awaits;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Promise 3: the same order.created delivered again changes nothing a second time. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class RedeliveryTest {

    @Inject
    OrderStore store;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    @Test
    void theSameRecordDeliveredThreeTimesAllocatesOnceAndChangesStatusOnce() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 10);
        Order order = OrderFeed.order(t, "dup-1", ImsData.items(t.skus().get(0), 2));
        Order sentinel = OrderFeed.order(t, "after-dup", ImsData.items(t.skus().get(0), 1));
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(List.of(order, sentinel));
            String record = feed.value(OrderEvent.created(order, order.createdAt()));
            // Same partition for all: the sentinel is finalized only after every copy was processed.
            feed.send(0, order.orderId(), record);
            await().atMost(Duration.ofSeconds(60)).until(() -> "new_order".equals(
                    Awaits.order(store.orders(), t.id(), order.orderId()).getString("status")));
            feed.send(0, order.orderId(), record);
            feed.send(0, order.orderId(), record);
            feed.send(0, sentinel.orderId(), feed.value(OrderEvent.created(sentinel, sentinel.createdAt())));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "new_order".equals(
                Awaits.order(store.orders(), t.id(), sentinel.orderId()).getString("status")));

        List<Map<String, Object>> rows = ims.transactions(t, t.skus().get(0));
        assertEquals(1, rows.stream().filter(r -> order.orderId().equals(r.get("reference"))).count(), "allocation rows of the order");
        assertEquals(7, ims.level(t, t.skus().get(0)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<OrderEvent> events = OrderFeed.events(json, topics.orderUpdated(), List.of(order.orderId()));
            assertEquals(1, events.stream().map(OrderEvent::eventId).distinct().count(), "status changes announced: " + events);
            assertEquals(OrderStatus.new_order, events.get(0).order().status());
        });
    }
}
