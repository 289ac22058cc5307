package io.ordermesh.webhooks;

import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.webhooks.support.Fixtures;
import io.ordermesh.webhooks.support.Receiver;
import io.ordermesh.webhooks.support.Receiver.Answer;
import io.ordermesh.webhooks.support.StandardWebhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The attempt log and replay endpoints: tenant-scoped, paged, replay with the same webhook-id and bytes. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class DeliveryApiTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final List<String> BOTH = List.of(OrderEvent.CREATED, OrderEvent.UPDATED);
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
    void attemptLogIsPagedAndVisibleOnlyToTheOwningTenant() throws Exception {
        UUID tenant = UUID.randomUUID();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            for (int i = 0; i < 3; i++) {
                fx.publish(fx.created(tenant, "ord-log-" + i));
            }
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().filter(d -> "succeeded".equals(d.getString("status"))).count() == 3);
            JsonPath first = given().header("X-Tenant-ID", tenant.toString()).queryParam("limit", 2)
                    .get("/webhooks/{id}/deliveries", sub).then().statusCode(200).extract().jsonPath();
            assertEquals(2, first.getList("items").size());
            assertEquals("succeeded", first.getString("items[0].status"));
            // Delivery is at least once: a first attempt may have failed on a loaded machine (seen in
            // CI), so the attempt that counts is the last, and every one before it is a recorded failure.
            List<Map<String, Object>> attempts = first.getList("items[0].attempts");
            Map<String, Object> last = attempts.get(attempts.size() - 1);
            assertEquals(200, last.get("status_code"), "the last attempt of a succeeded delivery is its 200: " + attempts);
            assertEquals("succeeded", last.get("outcome"));
            assertNotNull(last.get("latency_ms"));
            attempts.subList(0, attempts.size() - 1).forEach(a -> assertEquals("failed", a.get("outcome"), "attempts: " + attempts));
            assertNull(first.get("items[0].body"), "the list does not repeat payloads");
            String cursor = first.getString("next_cursor");
            assertNotNull(cursor);
            JsonPath second = given().header("X-Tenant-ID", tenant.toString()).queryParam("limit", 2).queryParam("cursor", cursor)
                    .get("/webhooks/{id}/deliveries", sub).then().statusCode(200).extract().jsonPath();
            assertEquals(1, second.getList("items").size());
            assertNull(second.get("next_cursor"));

            String delivery = first.getString("items[0].id");
            UUID stranger = UUID.randomUUID();
            given().header("X-Tenant-ID", stranger.toString()).get("/webhooks/{id}/deliveries", sub).then().statusCode(404)
                    .contentType("application/problem+json");
            given().header("X-Tenant-ID", stranger.toString()).post("/webhooks/{id}/deliveries/{d}/retry", sub, delivery).then().statusCode(404);
            given().header("X-Tenant-ID", stranger.toString()).queryParam("since", "2020-01-01T00:00:00Z")
                    .post("/webhooks/{id}/recover", sub).then().statusCode(404);
            given().get("/webhooks/{id}/deliveries", sub).then().statusCode(400).contentType("application/problem+json");
            given().header("X-Tenant-ID", "not-a-uuid").get("/webhooks/{id}/deliveries", sub).then().statusCode(400);
            given().header("X-Tenant-ID", tenant.toString()).queryParam("limit", 0).get("/webhooks/{id}/deliveries", sub).then().statusCode(400);
            given().header("X-Tenant-ID", tenant.toString()).post("/webhooks/{id}/deliveries/{d}/retry", sub, "msg_nope").then().statusCode(404);
        }
    }

    @Test
    void retryReplaysTheSameWebhookIdAndBytes() throws Exception {
        UUID tenant = UUID.randomUUID();
        String secret = StandardWebhooks.newSecret();
        try (Receiver r = Receiver.start(n -> Answer.ok())) {
            String sub = fx.subscribe(tenant, r.url(), secret, BOTH);
            fx.publish(fx.created(tenant, "ord-replay-1"));
            await().atMost(WAIT).until(() -> r.count() == 1);
            await().atMost(WAIT).until(() -> "succeeded".equals(fx.deliveriesOf(sub).get(0).getString("status")));
            String delivery = fx.deliveriesOf(sub).get(0).getString("_id");
            given().header("X-Tenant-ID", tenant.toString()).post("/webhooks/{id}/deliveries/{d}/retry", sub, delivery)
                    .then().statusCode(202).body("id", equalTo(delivery));
            await().atMost(WAIT).until(() -> r.count() == 2);
            Receiver.Request original = r.requests().get(0);
            Receiver.Request replay = r.requests().get(1);
            assertEquals(original.id(), replay.id());
            assertEquals(delivery, replay.id());
            assertEquals(original.body(), replay.body());
            assertEquals(true, StandardWebhooks.verifies(secret, replay.id(), replay.timestamp(), replay.body(), replay.signature()));
            await().atMost(WAIT).until(() -> fx.delivery(delivery).getInteger("attempt_count") == 2);
        }
    }

    @Test
    void recoverRequeuesEveryFailedDeliverySinceTheGivenInstant() throws Exception {
        UUID tenant = UUID.randomUUID();
        AtomicBoolean up = new AtomicBoolean(false);
        try (Receiver r = Receiver.start(n -> up.get() ? Answer.ok() : Answer.status(500))) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), BOTH);
            Instant before = Instant.now().minusSeconds(1);
            for (int i = 0; i < 3; i++) {
                fx.publish(fx.created(tenant, "ord-recover-" + i));
            }
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().filter(d -> "failed".equals(d.getString("status"))).count() == 3);
            int failedAttempts = r.count();
            up.set(true);
            given().header("X-Tenant-ID", tenant.toString()).queryParam("since", Instant.now().plusSeconds(60).toString())
                    .post("/webhooks/{id}/recover", sub).then().statusCode(202).body("requeued", equalTo(0));
            given().header("X-Tenant-ID", tenant.toString()).queryParam("since", "yesterday")
                    .post("/webhooks/{id}/recover", sub).then().statusCode(422);
            given().header("X-Tenant-ID", tenant.toString()).queryParam("since", before.toString())
                    .post("/webhooks/{id}/recover", sub).then().statusCode(202).body("requeued", equalTo(3));
            await().atMost(WAIT).until(() -> fx.deliveriesOf(sub).stream().filter(d -> "succeeded".equals(d.getString("status"))).count() == 3);
            // Every requeued delivery was attempted again; delivery is at least once, so the sweep
            // may race the poller into one extra attempt (seen once in CI), but never a new id.
            org.junit.jupiter.api.Assertions.assertTrue(r.count() >= failedAttempts + 3,
                    "each of the 3 requeued deliveries must be attempted again: " + r.count() + " after " + failedAttempts);
            assertEquals(3, r.distinctIds());
        }
    }
}
