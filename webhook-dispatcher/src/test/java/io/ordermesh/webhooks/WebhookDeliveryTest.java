package io.ordermesh.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.webhooks.support.Fixtures;
import io.ordermesh.webhooks.support.Receiver;
import io.ordermesh.webhooks.support.Receiver.Answer;
import io.ordermesh.webhooks.support.StandardWebhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deliveries end to end: events on the real Kafka topics, subscriptions and deliveries in the real
 * MongoDB, a real HTTP receiver. The %test retry schedule is 0s,300ms,300ms,300ms (4 attempts).
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class WebhookDeliveryTest {

    static final List<String> BOTH = List.of(OrderEvent.CREATED, OrderEvent.UPDATED);
    /** Generous: the shared embedded MongoDB can stall for seconds while other suites load it. */
    static final Duration WAIT = Duration.ofSeconds(60);
    static Fixtures fx;

    @BeforeAll
    static void fixtures() {
        fx = new Fixtures();
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    @Test
    void deliveryIsSignedPerStandardWebhooksAndCarriesTheOrderPayload() throws Exception {
        UUID tenant = UUID.randomUUID();
        String secret = StandardWebhooks.newSecret();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            fx.subscribe(tenant, r.url(), secret, BOTH);
            OrderEvent event = fx.created(tenant, "ord-sig-1");
            fx.publish(event);
            await().atMost(WAIT).until(() -> r.count() == 1);
            Receiver.Request got = r.requests().get(0);
            assertTrue(got.id().startsWith("msg_"), got.id());
            long ts = Long.parseLong(got.timestamp());
            assertTrue(Math.abs(Instant.now().getEpochSecond() - ts) < 30, "timestamp is unix seconds of the attempt");
            assertTrue(StandardWebhooks.verifies(secret, got.id(), got.timestamp(), got.body(), got.signature()), got.signature());
            assertFalse(StandardWebhooks.verifies(StandardWebhooks.newSecret(), got.id(), got.timestamp(), got.body(), got.signature()));
            assertFalse(got.signature().contains(" "), "one signature outside a rotation");
            assertTrue(got.headers().get("content-type").startsWith("application/json"));
            JsonNode body = Fixtures.JSON.readTree(got.body());
            assertEquals("order.created", body.get("type").asText());
            assertEquals(event.occurredAt(), Instant.parse(body.get("timestamp").asText()));
            assertEquals("ord-sig-1", body.get("data").get("order_id").asText());
            assertEquals(tenant.toString(), body.get("data").get("tenant_id").asText());
            assertEquals("on_hold", body.get("data").get("status").asText());
        }
    }

    @Test
    void duringSecretRotationBothSignaturesAreSentAndEachVerifies() throws Exception {
        UUID tenant = UUID.randomUUID();
        String current = StandardWebhooks.newSecret();
        String previous = StandardWebhooks.newSecret();
        String expiredPrevious = StandardWebhooks.newSecret();
        try (Receiver rotating = Receiver.start(n -> Answer.ok()); Receiver rotated = Receiver.start(n -> Answer.ok())) {
            fx.subscribe(tenant, rotating.url(), current, BOTH, previous, Instant.now().plusSeconds(3600));
            fx.subscribe(tenant, rotated.url(), current, BOTH, expiredPrevious, Instant.now().minusSeconds(1));
            fx.publish(fx.created(tenant, "ord-rot-1"));
            await().atMost(WAIT).until(() -> rotating.count() == 1 && rotated.count() == 1);
            Receiver.Request got = rotating.requests().get(0);
            String[] parts = got.signature().split(" ");
            assertEquals(2, parts.length, got.signature());
            // A receiver that still holds only the old secret verifies, and so does one with the new.
            assertTrue(StandardWebhooks.verifies(current, got.id(), got.timestamp(), got.body(), parts[0]));
            assertTrue(StandardWebhooks.verifies(previous, got.id(), got.timestamp(), got.body(), parts[1]));
            assertTrue(StandardWebhooks.verifies(previous, got.id(), got.timestamp(), got.body(), got.signature()));
            Receiver.Request after = rotated.requests().get(0);
            assertEquals(1, after.signature().split(" ").length, "an expired previous secret is no longer used");
            assertFalse(StandardWebhooks.verifies(expiredPrevious, after.id(), after.timestamp(), after.body(), after.signature()));
            assertTrue(StandardWebhooks.verifies(current, after.id(), after.timestamp(), after.body(), after.signature()));
        }
    }

    @Test
    void anEndpointFailingThreeTimesThenSucceedingIsDeliveredOnceWithFourAttemptsLogged() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> n <= 3 ? Answer.status(500) : Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            fx.publish(fx.created(tenant, "ord-flaky-1"));
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().anyMatch(d -> "succeeded".equals(d.getString("status"))));
            Thread.sleep(1000); // nothing more may arrive
            assertEquals(4, r.count());
            assertEquals(1, r.distinctIds(), "every attempt carries the same webhook-id");
            assertEquals(1, r.requests().stream().map(Receiver.Request::body).distinct().count(), "identical bytes every attempt");
            Document d = fx.deliveriesOf(sub).get(0);
            assertEquals(4, d.getInteger("attempt_count"));
            List<Document> attempts = d.getList("attempts", Document.class);
            assertEquals(List.of(500, 500, 500, 200), attempts.stream().map(a -> a.getInteger("status_code")).toList());
            assertEquals(List.of(1, 2, 3, 4), attempts.stream().map(a -> a.getInteger("number")).toList());
            assertEquals("status 500", attempts.get(0).getString("response_excerpt"));
            assertTrue(attempts.stream().allMatch(a -> a.get("latency_ms") != null));
            assertNull(fx.log(d.getString("_id")), "a delivered event is not in webhook_logs");
        }
    }

    @Test
    void anEndpointThatAlwaysFailsGetsExactlyTheConfiguredAttemptsThenLandsInWebhookLogs() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> Answer.status(502))) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            fx.publish(fx.created(tenant, "ord-dead-1"));
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().anyMatch(d -> "failed".equals(d.getString("status"))));
            Thread.sleep(1000);
            assertEquals(4, r.count(), "the %test schedule has four entries");
            Document d = fx.deliveriesOf(sub).get(0);
            await().atMost(WAIT).until(() -> fx.log(d.getString("_id")) != null);
            Document log = fx.log(d.getString("_id"));
            assertEquals(4, log.getList("attempts", Document.class).size());
            assertEquals("failed", log.getString("status"));
            assertTrue(log.getString("last_error").contains("HTTP 502"), log.getString("last_error"));
            assertTrue(fx.subscription(sub).getBoolean("active"), "plain failures do not disable the subscription");
        }
    }

    @Test
    void goneDisablesTheSubscriptionAndEndsTheDelivery() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> Answer.status(410))) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            fx.publish(fx.created(tenant, "ord-gone-1"));
            await().atMost(WAIT).until(() -> !fx.subscription(sub).getBoolean("active"));
            assertTrue(fx.subscription(sub).getString("disabled_reason").contains("410"));
            await().atMost(Duration.ofSeconds(5)).until(() -> fx.deliveriesOf(sub).stream().anyMatch(d -> "failed".equals(d.getString("status"))));
            Thread.sleep(800);
            assertEquals(1, r.count(), "410 is not retried");
            await().atMost(WAIT).until(() -> fx.log(fx.deliveriesOf(sub).get(0).getString("_id")) != null);
            // Later events for the disabled subscription create no deliveries.
            fx.publish(fx.created(tenant, "ord-gone-2"));
            Thread.sleep(2500);
            assertEquals(1, fx.deliveriesOf(sub).size());
            assertEquals(1, r.count());
        }
    }

    @Test
    void retryAfterOnTooManyRequestsIsHonoured() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> n == 1 ? new Answer(429, Map.of("Retry-After", "2"), 0, "slow down") : Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            fx.publish(fx.created(tenant, "ord-429-1"));
            await().atMost(WAIT).until(() -> r.count() == 2);
            long gap = (r.requests().get(1).receivedAtNanos() - r.requests().get(0).receivedAtNanos()) / 1_000_000;
            // The schedule alone would retry after ~300 ms.
            assertTrue(gap >= 2000, "second attempt " + gap + " ms after the 429, Retry-After said 2 s");
            await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(fx.deliveriesOf(sub).get(0).getString("status")));
        }
    }

    @Test
    void aHangingEndpointDoesNotDelayDeliveriesToAHealthyOne() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver hanging = Receiver.start(n -> Answer.hang(30_000)); Receiver healthy = Receiver.start(n -> Answer.ok())) {
            String hangingSub = fx.subscribe(tenant, hanging.url(), StandardWebhooks.newSecret(), BOTH);
            String healthySub = fx.subscribe(tenant, healthy.url(), StandardWebhooks.newSecret(), BOTH);
            for (int i = 0; i < 40; i++) {
                fx.publishAsync(fx.created(tenant, "ord-hang-" + i));
            }
            fx.flush();
            await().atMost(WAIT).until(() -> fx.deliveriesOf(healthySub).stream().filter(d -> "succeeded".equals(d.getString("status"))).count() == 40);
            assertTrue(hanging.count() > 0, "the hanging endpoint was tried too");
            // Measured on the dispatcher's own records: each healthy delivery was done well within one
            // 10 s request timeout of being recorded, while every hanging attempt takes that timeout.
            // Behind the hanging endpoint (40 deliveries, 8 in flight) it would wait 5 rounds of it.
            long worst = fx.deliveriesOf(healthySub).stream().mapToLong(d -> d.getDate("delivered_at").getTime()
                    - d.getDate("created_at").getTime()).max().orElseThrow();
            assertTrue(worst < 10_000, "a healthy delivery took " + worst + " ms");
            assertTrue(fx.deliveriesOf(hangingSub).stream().noneMatch(d -> "succeeded".equals(d.getString("status"))));
        }
    }

    @Test
    void urlsResolvingToMetadataOrPrivateAddressesAreRefusedWithoutARequest() throws Exception {
        UUID tenant = UUID.randomUUID();
        String metadata = fx.subscribe(tenant, "https://169.254.169.254/latest/meta-data", StandardWebhooks.newSecret(), BOTH);
        String privateNet = fx.subscribe(tenant, "https://10.0.0.1/hook", StandardWebhooks.newSecret(), BOTH);
        fx.publish(fx.created(tenant, "ord-ssrf-1"));
        for (String sub : List.of(metadata, privateNet)) {
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().anyMatch(d -> "failed".equals(d.getString("status"))));
            Document d = fx.deliveriesOf(sub).get(0);
            List<Document> attempts = d.getList("attempts", Document.class);
            assertEquals(1, attempts.size(), "refused once, never retried");
            Document a = attempts.get(0);
            assertEquals("refused", a.getString("outcome"));
            assertNull(a.get("status_code"), "no answer because no request");
            assertEquals(0L, ((Number) a.get("latency_ms")).longValue(), "refused before connecting");
            assertTrue(a.getString("error").contains(sub.equals(metadata) ? "169.254.169.254" : "10.0.0.1"), a.getString("error"));
            // The log copy is written right after the delivery is marked failed.
            await().atMost(WAIT).until(() -> fx.log(d.getString("_id")) != null);
        }
    }

    @Test
    void aRedeliveredKafkaRecordCreatesNoDuplicateDelivery() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            OrderEvent event = fx.created(tenant, "ord-dup-1");
            fx.publish(event);
            await().atMost(WAIT).until(() -> r.count() == 1);
            // The same record again (what a consumer sees after a crash before its offset commit).
            fx.publish(event);
            fx.publish(fx.created(tenant, "ord-dup-2")); // a marker behind it on another key
            await().atMost(WAIT).until(() -> r.count() >= 2);
            Thread.sleep(1500);
            assertEquals(2, r.count());
            assertEquals(2, fx.deliveriesOf(sub).size());
            assertEquals(1, fx.db().getCollection("webhook_deliveries").countDocuments(new Document("event_id", event.eventId().toString())));
        }
    }

    @Test
    void finishedDeliveriesLeaveNoDueEntryAndARetryWaitsInOneUntilItsTime() throws Exception {
        UUID tenant = UUID.randomUUID();
        // First attempt 503 with Retry-After: 120, so the retry waits long enough to be seen waiting.
        try (Receiver ok = Receiver.start(n -> Answer.ok());
             Receiver later = Receiver.start(n -> n == 1 ? new Answer(503, Map.of("Retry-After", "120"), 0, "busy") : Answer.ok())) {
            String subOk = fx.subscribe(tenant, ok.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.CREATED));
            String subLater = fx.subscribe(tenant, later.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.UPDATED));
            fx.publish(fx.created(tenant, "ord-due-1"));
            fx.publish(OrderEvent.updated(Fixtures.order(tenant, "ord-due-1"), Instant.now()));
            await().atMost(WAIT).until(() -> fx.deliveriesOf(subOk).stream().anyMatch(d -> "succeeded".equals(d.getString("status")))
                    && fx.deliveriesOf(subLater).stream().anyMatch(d -> d.getInteger("attempt_count", 0) == 1));
            String delivered = fx.deliveriesOf(subOk).get(0).getString("_id");
            Document waiting = fx.deliveriesOf(subLater).get(0);
            await().atMost(WAIT).until(() -> fx.db().getCollection("webhook_due").find(new Document("_id", delivered)).first() == null);
            Document entry = fx.db().getCollection("webhook_due").find(new Document("_id", waiting.getString("_id"))).first();
            assertNotNull(entry, "an unfinished delivery keeps its entry");
            assertEquals(waiting.getDate("next_attempt_at"), entry.getDate("due_at"), "the entry is due when the retry is");
            Instant firstAttempt = waiting.getList("attempts", Document.class).get(0).getDate("at").toInstant();
            assertTrue(entry.getDate("due_at").toInstant().isAfter(firstAttempt.plusSeconds(100)), "Retry-After: 120 is honoured");
        }
    }

    @Test
    void aPendingDeliveryWithoutDueEntryOrVersionIsFoundByTheSweepAndDelivered() throws Exception {
        UUID tenant = UUID.randomUUID();
        String secret = StandardWebhooks.newSecret();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), secret, BOTH);
            // As a dispatcher before webhook_due and versions wrote it (or one whose entry was lost).
            Document legacy = storedDelivery(tenant, sub, "ord-legacy-1").append("status", "pending").append("next_attempt_at", new Date());
            fx.db().getCollection("webhook_deliveries").insertOne(legacy);
            String id = legacy.getString("_id");
            String body = legacy.getString("body");
            await().atMost(WAIT).until(() -> "succeeded".equals(fx.delivery(id).getString("status")));
            assertEquals(1, r.count());
            Receiver.Request q = r.requests().get(0);
            assertEquals(id, q.id());
            assertEquals(body, q.body());
            assertTrue(StandardWebhooks.verifies(secret, q.id(), q.timestamp(), q.body(), q.signature()));
        }
    }

    @Test
    void aClaimWhoseOutcomeWasLostIsHandedBackAndDeliveredButOnlyThatClaim() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            Date now = new Date();
            Date lease = new Date(now.getTime() + 3_600_000);
            // Three claims in flight for an hour: ours with the lease we lost track of, ours under a
            // later lease (claimed again since), and another instance's with the same lease.
            String lost = claimedDelivery(tenant, sub, "dispatcher-a", lease);
            String reclaimed = claimedDelivery(tenant, sub, "dispatcher-a", new Date(lease.getTime() + 1));
            String others = claimedDelivery(tenant, sub, "dispatcher-b", lease);

            deliveries.release(Map.of(lost, lease, reclaimed, lease, others, lease), "dispatcher-a", now);

            await().atMost(WAIT).until(() -> "succeeded".equals(fx.delivery(lost).getString("status")));
            assertEquals(List.of(lost), r.requests().stream().map(Receiver.Request::id).toList(), "only the lost claim is sent");
            for (String untouched : List.of(reclaimed, others)) {
                Document d = fx.delivery(untouched);
                assertEquals("in_flight", d.getString("status"), untouched);
                assertEquals(5, d.getInteger("version"), "a claim that is not the lost one is left as it is");
            }
        }
    }

    @Inject
    io.ordermesh.webhooks.repository.DeliveryRepository deliveries;

    private static String claimedDelivery(UUID tenant, String sub, String owner, Date leaseUntil) {
        Document claimed = storedDelivery(tenant, sub, "ord-claimed").append("status", "in_flight").append("version", 5)
                .append("lease_owner", owner).append("lease_until", leaseUntil);
        fx.db().getCollection("webhook_deliveries").insertOne(claimed);
        return claimed.getString("_id");
    }

    /** A delivery of an order.created event as written to MongoDB, without status, version or times of its next attempt. */
    private static Document storedDelivery(UUID tenant, String sub, String orderId) {
        Date now = new Date();
        String body = "{\"type\":\"order.created\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"order_id\":\"" + orderId + "\"}}";
        return new Document("_id", "msg_" + UUID.randomUUID().toString().replace("-", "")).append("tenant_id", tenant.toString())
                .append("subscription_id", sub).append("event_id", UUID.randomUUID().toString()).append("event_type", "order.created")
                .append("order_id", orderId).append("body", body).append("attempt_count", 0).append("schedule_base", 0)
                .append("attempts", List.of()).append("created_at", now).append("updated_at", now);
    }

    @Test
    void eachEventGoesOnlyToSubscriptionsOfItsTenantAndType() throws Exception {
        UUID tenant = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        try (Receiver createdOnly = Receiver.start(n -> Answer.ok()); Receiver updatedOnly = Receiver.start(n -> Answer.ok());
             Receiver otherTenant = Receiver.start(n -> Answer.ok())) {
            fx.subscribe(tenant, createdOnly.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.CREATED));
            fx.subscribe(tenant, updatedOnly.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.UPDATED));
            fx.subscribe(other, otherTenant.url(), StandardWebhooks.newSecret(), BOTH);
            fx.publish(fx.created(tenant, "ord-route-1"));
            fx.publish(OrderEvent.updated(Fixtures.order(tenant, "ord-route-1"), Instant.now()));
            await().atMost(WAIT).until(() -> createdOnly.count() == 1 && updatedOnly.count() == 1);
            Thread.sleep(1000);
            assertEquals("order.created", Fixtures.JSON.readTree(createdOnly.requests().get(0).body()).get("type").asText());
            assertEquals("order.updated", Fixtures.JSON.readTree(updatedOnly.requests().get(0).body()).get("type").asText());
            assertEquals(0, otherTenant.count());
        }
    }
}
