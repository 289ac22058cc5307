package io.ordermesh.oms;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.oms.messaging.OrderEvents;
import io.ordermesh.oms.repository.Collections;
import io.ordermesh.oms.support.EventTap;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.testsupport.TestStack;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.bson.Document;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Promise 2: an order answered 201 reaches order.created even when publishing right after the write did not happen. */
@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
class OutboxTest {

    @Inject
    Collections collections;
    @Inject
    OrderEvents events;

    private static String createdTopic() {
        return ConfigProvider.getConfig().getValue("ordermesh.topics.order-created", String.class);
    }

    private List<Document> pending(UUID tenant, String orderId) {
        Document d = collections.orders().find(Filters.eq("_id", OrderDocuments.id(tenant, orderId))).first();
        return d.getList("pending_events", Document.class);
    }

    @Test
    void relayPublishesEventsOfAProcessKilledBetweenWriteAndPublish() {
        // The single-document write happened; the process died before handing the event to Kafka.
        TestTenant t = TestTenant.create();
        String orderId = "crash-" + UUID.randomUUID();
        Instant at = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.MILLIS);
        List<Order.Item> items = List.of(new Order.Item(t.skus().get(0), 1, BigDecimal.ONE));
        Order order = new Order(orderId, t.id(), t.seller(), t.hub(), items, Order.totalOf(items), OrderStatus.on_hold,
                null, null, Order.Source.api(), at, at);
        PendingEvent event = events.created(order, at);
        collections.orders().insertOne(OrderDocuments.toDocument(order, List.of(event)));

        try (EventTap tap = new EventTap(createdTopic())) {
            List<JsonNode> got = tap.await(e -> event.eventId().equals(e.path("event_id").asText()), 1, Duration.ofSeconds(30));
            assertEquals(1, got.size(), "the relay did not publish the orphaned event");
            assertEquals(orderId, got.get(0).path("order").path("order_id").asText());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> pending(t.id(), orderId).isEmpty());
    }

    @Test
    void eventWrittenWhileTheBrokerIsDownArrivesAfterItRecovers() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(TestStack.controllable("kafka").isPresent(),
                "the broker belongs to a stack this test did not start (e.g. a running ./ordermesh up)");
        TestTenant t = TestTenant.create();
        String orderId;
        TestStack.control("down", "kafka");
        try {
            // The write succeeds and the client gets 201 although the broker is away.
            orderId = t.json().body(t.order(null)).post("/orders").then().statusCode(201).extract().path("order_id");
            String id = orderId;
            assertFalse(pending(t.id(), id).isEmpty(), "event must wait in the outbox while the broker is down");
        } finally {
            TestStack.control("up", "kafka");
        }
        String id = orderId;
        try (EventTap tap = new EventTap(createdTopic())) {
            List<JsonNode> got = tap.await(e -> id.equals(e.path("order").path("order_id").asText()), 1, Duration.ofSeconds(90));
            assertFalse(got.isEmpty(), "order.created never arrived after the broker came back");
            // At least once: the publisher's retried send and the relay may both deliver it, but it is one event.
            assertEquals(1, got.stream().map(e -> e.path("event_id").asText()).distinct().count(), "one event, not two");
            assertEquals(OrderEvent.CREATED, got.get(0).path("type").asText());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> pending(t.id(), id).isEmpty());
    }

}
