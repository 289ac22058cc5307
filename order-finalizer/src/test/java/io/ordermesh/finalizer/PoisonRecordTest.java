package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.finalizer.messaging.DeadLetters;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.support.Awaits;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Promise 6 for the worker: bad records are parked with their reason and the partition moves on. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class PoisonRecordTest {

    @Inject
    OrderStore store;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheOrdersBehindThemAreFinalized() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 5);
        String key = "poison-" + UUID.randomUUID();
        UUID unknownTenant = UUID.randomUUID();
        Order stranger = OrderFeed.order(unknownTenant, t.seller(), t.hub(), key + "-tenant", ImsData.items(t.skus().get(0), 1));
        Order good = OrderFeed.order(t, key + "-good", ImsData.items(t.skus().get(0), 1));
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(List.of(stranger, good));
            feed.send(1, key + "-json", "{\"event_id\": not json");
            feed.send(1, stranger.orderId(), feed.value(OrderEvent.created(stranger, stranger.createdAt())));
            feed.send(1, good.orderId(), feed.value(OrderEvent.created(good, good.createdAt())));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "new_order".equals(
                Awaits.order(store.orders(), t.id(), good.orderId()).getString("status")));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ConsumerRecord<String, String>> dead = OrderFeed.readAll(topics.orderCreatedDlq()).stream()
                    .filter(r -> r.key() != null && r.key().startsWith(key)).toList();
            assertEquals(2, dead.size(), "dead letters: " + dead);
            ConsumerRecord<String, String> unparseable = dead.stream().filter(r -> r.key().equals(key + "-json")).findFirst().orElseThrow();
            assertEquals("{\"event_id\": not json", unparseable.value());
            assertTrue(header(unparseable, DeadLetters.REASON).startsWith("unparseable"), header(unparseable, DeadLetters.REASON));
            assertEquals(topics.orderCreated(), header(unparseable, "dlq-topic"));
            assertEquals("1", header(unparseable, "dlq-partition"));
            ConsumerRecord<String, String> tenant = dead.stream().filter(r -> r.key().equals(stranger.orderId())).findFirst().orElseThrow();
            assertTrue(header(tenant, DeadLetters.REASON).contains("rejected by IMS"), header(tenant, DeadLetters.REASON));
        });
        assertEquals("on_hold", Awaits.order(store.orders(), unknownTenant, stranger.orderId()).getString("status"));
    }

    @Test
    void anOrderImsCannotUnderstandIsHeldAsInvalidNotDeadLettered() {
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(1);
        Order order = OrderFeed.order(t, "unknown-sku", ImsData.items(UUID.randomUUID(), 1));
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insertAndPublish(List.of(order));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> "INVALID".equals(
                Awaits.order(store.orders(), t.id(), order.orderId()).getString("hold_reason")));
        Document d = Awaits.order(store.orders(), t.id(), order.orderId());
        assertEquals("on_hold", d.getString("status"));
        assertTrue(d.getString(OrderStore.HOLD_MESSAGE) != null && !d.getString(OrderStore.HOLD_MESSAGE).isBlank());
        assertNull(d.get(OrderStore.NEXT_RETRY_AT), "an invalid order is not retried");
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
