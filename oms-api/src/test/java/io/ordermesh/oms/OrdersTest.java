package io.ordermesh.oms;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.catalogue.CatalogueCacheKeys;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.oms.repository.Collections;
import io.ordermesh.oms.service.AllocationReleases;
import io.ordermesh.oms.support.EventTap;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.testsupport.ServiceProcess;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
class OrdersTest {

    @Inject
    Collections collections;
    @Inject
    Topics topics;
    @Inject
    RedisDataSource redis;
    @Inject
    AllocationReleases releases;

    static EventTap created;
    static EventTap updated;

    @BeforeAll
    static void taps() {
        // Topic names are the %test ones; read them from the config the app uses.
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        created = new EventTap(config.getValue("ordermesh.topics.order-created", String.class));
        updated = new EventTap(config.getValue("ordermesh.topics.order-updated", String.class));
    }

    @AfterAll
    static void close() {
        created.close();
        updated.close();
    }

    private long storedOrders(TestTenant t) {
        return collections.orders().countDocuments(Filters.eq("tenant_id", t.id().toString()));
    }

    @Test
    void createdOrderIsOnHoldStoredAndPublishedAsOrderCreated() {
        TestTenant t = TestTenant.create();
        String id = t.json().body(t.order(null)).post("/orders").then().statusCode(201)
                .header("Location", containsString("/orders/"))
                .contentType(ContentType.JSON)
                .body("status", equalTo("on_hold"))
                .body("tenant_id", equalTo(t.id().toString()))
                .body("seller_id", equalTo(t.seller().toString()))
                .body("total", equalTo(24.98f))
                .body("source.type", equalTo("api"))
                .body("items", hasSize(2))
                .body("created_at", notNullValue())
                .extract().path("order_id");

        List<JsonNode> events = created.await(e -> id.equals(e.path("order").path("order_id").asText()), 1, Duration.ofSeconds(20));
        assertEquals(1, events.size(), "order.created not published");
        JsonNode e = events.get(0);
        assertEquals("order.created", e.get("type").asText());
        assertEquals(t.id().toString(), e.get("tenant_id").asText());
        assertEquals("on_hold", e.get("order").get("status").asText());
        assertTrue(e.hasNonNull("event_id") && e.hasNonNull("occurred_at"));
        assertEquals(List.of(id), created.keys(ev -> id.equals(ev.path("order").path("order_id").asText())), "record key is the order id");

        // Acknowledged events leave the outbox.
        await().atMost(Duration.ofSeconds(10)).until(() -> collections.orders()
                .find(Filters.eq("_id", t.id() + "/" + id)).first().getList("pending_events", Document.class).isEmpty());
        t.api().get("/orders/" + id).then().statusCode(200).body("order_id", equalTo(id)).body("hub_id", equalTo(t.hub().toString()));
    }

    @Test
    void missingTenantHeaderIs400AndUnknownTenantIs404() {
        TestTenant t = TestTenant.create();
        given().contentType(ContentType.JSON).body(t.order(null)).post("/orders").then().statusCode(400)
                .contentType("application/problem+json").body("title", equalTo("Missing tenant"));
        given().header(Tenants.HEADER, UUID.randomUUID().toString()).get("/orders").then().statusCode(404)
                .contentType("application/problem+json");
        given().header(Tenants.HEADER, "not-a-uuid").get("/webhooks").then().statusCode(404);
        given().get("/orders/uploads/" + UUID.randomUUID()).then().statusCode(400);
    }

    @Test
    void invalidFieldsAre422WithFieldDetailsAndNothingStored() {
        TestTenant t = TestTenant.create();
        Map<String, Object> body = Map.of("hub_id", t.hub().toString(), "items", List.of(
                Map.of("sku_id", t.skus().get(0).toString(), "quantity", 0, "price", "1.00"),
                Map.of("sku_id", t.skus().get(1).toString(), "quantity", 1, "price", "-2")));
        t.json().body(body).post("/orders").then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", hasItem("seller_id"))
                .body("errors.field", hasItem("items[0].quantity"))
                .body("errors.field", hasItem("items[1].price"));
        t.json().body(Map.of("seller_id", t.seller().toString(), "hub_id", t.hub().toString(), "items", List.of()))
                .post("/orders").then().statusCode(422).body("errors.field", hasItem("items"));
        assertEquals(0, storedOrders(t));
    }

    @Test
    void unknownSkuHubAndSellerAre422NamingThem() {
        TestTenant t = TestTenant.create();
        UUID ghostSku = UUID.randomUUID();
        UUID ghostHub = UUID.randomUUID();
        Map<String, Object> body = Map.of("seller_id", t.seller().toString(), "hub_id", ghostHub.toString(), "items", List.of(
                Map.of("sku_id", t.skus().get(0).toString(), "quantity", 1, "price", "1.00"),
                Map.of("sku_id", ghostSku.toString(), "quantity", 1, "price", "1.00")));
        t.json().body(body).post("/orders").then().statusCode(422)
                .body("errors.find { it.field == 'hub_id' }.message", containsString(ghostHub.toString()))
                .body("errors.find { it.field == 'items[1].sku_id' }.message", containsString(ghostSku.toString()))
                .body("detail", containsString(ghostSku.toString()));

        Map<String, Object> foreign = Map.of("seller_id", t.seller().toString(), "hub_id", t.hub().toString(), "items", List.of(
                Map.of("sku_id", t.otherSellersSku().toString(), "quantity", 1, "price", "1.00")));
        t.json().body(foreign).post("/orders").then().statusCode(422)
                .body("errors.find { it.field == 'items[0].sku_id' }.message", containsString("another seller"));

        // Another tenant's SKU is unknown here.
        TestTenant other = TestTenant.create();
        Map<String, Object> stolen = Map.of("seller_id", t.seller().toString(), "hub_id", t.hub().toString(), "items", List.of(
                Map.of("sku_id", other.skus().get(0).toString(), "quantity", 1, "price", "1.00")));
        t.json().body(stolen).post("/orders").then().statusCode(422).body("errors.field", hasItem("items[0].sku_id"));
        assertEquals(0, storedOrders(t));
    }

    @Test
    void catalogueCacheHitsAreServedWithoutAskingIms() {
        // Entities only in the shared Redis cache (as ims-api writes them) and unknown to the real
        // ims-api: had oms-api asked IMS, it would have answered 422 naming them.
        TestTenant t = TestTenant.create();
        UUID seller = UUID.randomUUID();
        UUID hub = UUID.randomUUID();
        UUID sku = UUID.randomUUID();
        t.imsApi().get(t.ims() + "/skus/" + sku).then().statusCode(404);
        t.imsApi().get(t.ims() + "/hubs/" + hub).then().statusCode(404);
        var values = redis.value(String.class);
        values.setex(CatalogueCacheKeys.seller(t.id(), seller), 300, "{\"id\":\"" + seller + "\",\"code\":\"CS\",\"name\":\"Cached\"}");
        values.setex(CatalogueCacheKeys.hub(t.id(), hub), 300, "{\"id\":\"" + hub + "\",\"code\":\"CH\",\"name\":\"Cached\"}");
        values.setex(CatalogueCacheKeys.sku(t.id(), sku), 300, "{\"id\":\"" + sku + "\",\"code\":\"CK\",\"name\":\"Cached\",\"seller_id\":\""
                + seller + "\",\"category_id\":null,\"price\":3.5}");
        values.setex(CatalogueCacheKeys.tenant(t.id()), 300, "{\"id\":\"" + t.id() + "\",\"code\":\"c\",\"name\":\"n\"}");
        t.json().body(Map.of("seller_id", seller.toString(), "hub_id", hub.toString(),
                "items", List.of(Map.of("sku_id", sku.toString(), "quantity", 3, "price", "3.50"))))
                .post("/orders").then().statusCode(201).body("total", equalTo(10.5f));
    }

    @Test
    void aCacheMissAsksImsWhichFillsTheSharedCacheForTheNextRequest() {
        TestTenant t = TestTenant.create();
        var values = redis.value(String.class);
        List<String> keys = List.of(CatalogueCacheKeys.seller(t.id(), t.seller()), CatalogueCacheKeys.hub(t.id(), t.hub()),
                CatalogueCacheKeys.sku(t.id(), t.skus().get(0)), CatalogueCacheKeys.sku(t.id(), t.skus().get(1)));
        redis.key().del(keys.toArray(String[]::new));
        t.json().body(t.order(null)).post("/orders").then().statusCode(201);
        for (String key : keys) {
            assertTrue(values.get(key) != null, () -> "ims-api did not cache " + key);
        }
        // The next request reads the cache: a cached entry naming another seller is what oms-api sees
        // (ims-api itself would still say the SKU is this seller's).
        values.setex(CatalogueCacheKeys.sku(t.id(), t.skus().get(1)), 300, "{\"id\":\"" + t.skus().get(1)
                + "\",\"code\":\"CK\",\"name\":\"Cached\",\"seller_id\":\"" + t.otherSeller() + "\",\"price\":1}");
        t.imsApi().get(t.ims() + "/skus/" + t.skus().get(1)).then().statusCode(200).body("seller_id", equalTo(t.seller().toString()));
        t.json().body(t.order(null)).post("/orders").then().statusCode(422)
                .body("errors.find { it.field == 'items[1].sku_id' }.message", containsString("another seller"));
        redis.key().del(CatalogueCacheKeys.sku(t.id(), t.skus().get(1)));
        t.json().body(t.order(null)).post("/orders").then().statusCode(201);
    }

    @Test
    void malformedJsonAndWrongContentTypeAreProblemsAndStoreNothing() {
        TestTenant t = TestTenant.create();
        t.json().body("{\"seller_id\": ").post("/orders").then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON"));
        t.json().body("{\"seller_id\": \"nope\", \"hub_id\": \"" + t.hub() + "\", \"items\": []}").post("/orders").then()
                .statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("seller_id"));
        t.api().contentType(ContentType.TEXT).body("hello").post("/orders").then().statusCode(415).contentType("application/problem+json");
        t.json().post("/orders").then().statusCode(anyOf4xx()).contentType("application/problem+json");
        assertEquals(0, storedOrders(t));
    }

    @Test
    void anOrderWhileTheStoreIsDownIs503WithRetryAfterAndARetryCreatesItOnce() {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.ordermesh.testsupport.TestStack.controllable("mongo").isPresent(),
                "the MongoDB server belongs to a stack this test did not start (e.g. a running ./ordermesh up)");
        TestTenant t = TestTenant.create();
        Map<String, Object> order = t.order("outage-" + UUID.randomUUID());
        io.ordermesh.testsupport.TestStack.control("down", "mongo");
        try {
            t.json().body(order).post("/orders").then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", notNullValue()).body("title", equalTo("Store unavailable"));
        } finally {
            io.ordermesh.testsupport.TestStack.control("up", "mongo");
        }
        // The client does what Retry-After says until the store is back: one order, not two.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                .until(() -> t.json().body(order).post("/orders").statusCode() == 201);
        assertEquals(1, storedOrders(t));
    }

    private static org.hamcrest.Matcher<Integer> anyOf4xx() {
        return org.hamcrest.Matchers.both(org.hamcrest.Matchers.greaterThanOrEqualTo(400)).and(org.hamcrest.Matchers.lessThan(500));
    }

    @Test
    void clientOrderIdIsUniquePerTenant() {
        TestTenant t = TestTenant.create();
        String id = "ext-" + UUID.randomUUID();
        t.json().body(t.order(id)).post("/orders").then().statusCode(201).body("order_id", equalTo(id));
        // Same content again: the existing order, 200, no second event.
        t.json().body(t.order(id)).post("/orders").then().statusCode(200).body("order_id", equalTo(id));
        Map<String, Object> changed = t.order(id);
        changed.put("items", List.of(Map.of("sku_id", t.skus().get(2).toString(), "quantity", 9, "price", "1.00")));
        t.json().body(changed).post("/orders").then().statusCode(409).contentType("application/problem+json");
        assertEquals(1, storedOrders(t));
        // Another tenant may use the same id.
        TestTenant other = TestTenant.create();
        other.json().body(other.order(id)).post("/orders").then().statusCode(201);
        created.await(e -> id.equals(e.path("order").path("order_id").asText()), 3, Duration.ofSeconds(5));
        assertEquals(1, created.await(e -> id.equals(e.path("order").path("order_id").asText())
                && t.id().toString().equals(e.path("tenant_id").asText()), 2, Duration.ofSeconds(1)).size());
    }

    @Test
    void idempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() {
        TestTenant t = TestTenant.create();
        String key = UUID.randomUUID().toString();
        Response first = t.json().header("Idempotency-Key", key).body(t.order(null)).post("/orders");
        first.then().statusCode(201);
        String id = first.path("order_id");
        t.json().header("Idempotency-Key", key).body(t.order(null)).post("/orders").then().statusCode(201)
                .body("order_id", equalTo(id)).body("created_at", equalTo(first.path("created_at")));
        Map<String, Object> other = t.order(null);
        other.put("hub_id", t.hub().toString());
        other.put("items", List.of(Map.of("sku_id", t.skus().get(0).toString(), "quantity", 7, "price", "9.99")));
        t.json().header("Idempotency-Key", key).body(other).post("/orders").then().statusCode(422)
                .contentType("application/problem+json").body("errors[0].field", equalTo("Idempotency-Key"));
        assertEquals(1, storedOrders(t));
        // A failed request does not burn the key.
        String key2 = UUID.randomUUID().toString();
        Map<String, Object> bad = t.order(null);
        bad.put("hub_id", UUID.randomUUID().toString());
        t.json().header("Idempotency-Key", key2).body(bad).post("/orders").then().statusCode(422);
        t.json().header("Idempotency-Key", key2).body(t.order(null)).post("/orders").then().statusCode(201);
    }

    @Test
    void identicalRacingRequestsCreateOneOrder() throws Exception {
        TestTenant t = TestTenant.create();
        String key = UUID.randomUUID().toString();
        String clientId = "race-" + UUID.randomUUID();
        int n = 16;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            for (Map<String, Object> body : List.of(t.order(null), t.order(clientId))) {
                boolean withKey = !body.containsKey("order_id");
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Response>> answers = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    answers.add(pool.submit((Callable<Response>) () -> {
                        go.await();
                        var spec = t.json().body(body);
                        if (withKey) {
                            spec = spec.header("Idempotency-Key", key);
                        }
                        return spec.post("/orders");
                    }));
                }
                go.countDown();
                Set<String> ids = new HashSet<>();
                for (Future<Response> f : answers) {
                    Response r = f.get();
                    assertTrue(r.statusCode() == 201 || r.statusCode() == 200, () -> "unexpected " + r.statusCode() + " " + r.asString());
                    ids.add(r.path("order_id"));
                }
                assertEquals(1, ids.size(), "all racing answers name one order");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, storedOrders(t), "one order per key and one per client order id");
    }

    @Test
    void listFiltersAndPagesWithAnOpaqueCursor() {
        TestTenant t = TestTenant.create();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            all.add(t.json().body(t.order(null)).post("/orders").then().statusCode(201).extract().path("order_id"));
        }
        Set<String> paged = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = t.api().queryParam("limit", 3);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            Response page = req.get("/orders");
            page.then().statusCode(200);
            List<String> ids = page.path("items.order_id");
            paged.addAll(ids);
            cursor = page.path("next_cursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertEquals(all, paged);
        assertEquals(3, pages);
        t.api().queryParam("status", "on_hold").queryParam("seller_id", t.seller().toString()).queryParam("hub_id", t.hub().toString())
                .get("/orders").then().statusCode(200).body("items", hasSize(7)).body("next_cursor", nullValue());
        t.api().queryParam("status", "cancelled").get("/orders").then().statusCode(200).body("items", hasSize(0));
        t.api().queryParam("seller_id", t.otherSeller().toString()).get("/orders").then().body("items", hasSize(0));
        t.api().queryParam("from", "2999-01-01T00:00:00Z").get("/orders").then().body("items", hasSize(0));
        t.api().queryParam("to", "2999-01-01T00:00:00Z").get("/orders").then().body("items", hasSize(7));
        t.api().queryParam("limit", 1001).get("/orders").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("limit"));
        t.api().queryParam("limit", 0).get("/orders").then().statusCode(400).contentType("application/problem+json");
        t.api().queryParam("limit", 1000).get("/orders").then().statusCode(200).body("items", hasSize(7));
        t.api().queryParam("cursor", "bm90LWEtY3Vyc29y").get("/orders").then().statusCode(400).contentType("application/problem+json");
        t.api().queryParam("status", "lost").get("/orders").then().statusCode(422);
        t.api().queryParam("cursor", "garbage!").get("/orders").then().statusCode(400);
        t.api().queryParam("from", "yesterday").get("/orders").then().statusCode(422);
    }

    /** An order of {@code t} allocated in ims-api and moved to new_order, as order-finalizer would. */
    private String allocatedOrder(TestTenant t) {
        String id = t.json().body(t.order(null)).post("/orders").then().statusCode(201).extract().path("order_id");
        t.stock(t.skus().get(0), 10);
        t.stock(t.skus().get(1), 10);
        t.allocate(id);
        assertEquals(8, t.level(t.skus().get(0)));
        assertEquals(9, t.level(t.skus().get(1)));
        collections.orders().updateOne(Filters.eq("_id", t.id() + "/" + id), new Document("$set", new Document("status", "new_order")));
        return id;
    }

    private String releaseState(TestTenant t, String id) {
        return collections.orders().find(Filters.eq("_id", t.id() + "/" + id)).first().getString("release_state");
    }

    @Test
    void cancelPublishesOrderUpdatedReleasesTheAllocationAndRefusesASecondCancel() {
        TestTenant t = TestTenant.create();
        String id = allocatedOrder(t);

        t.api().post("/orders/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
        assertEquals(10, t.level(t.skus().get(0)), "allocation released in ims-api");
        assertEquals(10, t.level(t.skus().get(1)), "allocation released in ims-api");
        List<JsonNode> events = updated.await(e -> id.equals(e.path("order").path("order_id").asText()), 1, Duration.ofSeconds(20));
        assertEquals(1, events.size());
        assertEquals("cancelled", events.get(0).path("order").path("status").asText());
        assertEquals("order.updated", events.get(0).path("type").asText());
        t.api().post("/orders/" + id + "/cancel").then().statusCode(409).contentType("application/problem+json");
        assertEquals(10, t.level(t.skus().get(0)), "a refused second cancel releases nothing more");
        t.api().get("/orders/" + id).then().body("status", equalTo("cancelled"));
        t.api().post("/orders/nope-" + UUID.randomUUID() + "/cancel").then().statusCode(404);
    }

    @Test
    void aCancelWhileImsIsDownStillCancelsAndTheReleaseIsRetriedUntilImsTakesIt() {
        TestTenant t = TestTenant.create();
        String id = allocatedOrder(t);
        ServiceProcess ims = ImsApiResource.current();
        ims.kill();
        try {
            t.api().post("/orders/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
            assertEquals("pending", releaseState(t, id), "the release IMS did not take is recorded as owed");
            assertTrue(releases.owedCount() >= 1);
        } finally {
            ims.restart();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "released".equals(releaseState(t, id)));
        assertEquals(10, t.level(t.skus().get(0)), "allocation released once ims-api is back");
        assertEquals(10, t.level(t.skus().get(1)));
        assertEquals(1, updated.await(e -> id.equals(e.path("order").path("order_id").asText()), 1, Duration.ofSeconds(20)).size(),
                "the cancel was announced once, whatever the release did");
    }

    @Test
    void aReleaseAnotherInstanceLeftPendingIsFoundByTheSweep() {
        TestTenant t = TestTenant.create();
        String id = allocatedOrder(t);
        // As if an instance died between its cancel and the release: cancelled, release pending, a minute ago.
        collections.orders().updateOne(Filters.eq("_id", t.id() + "/" + id), new Document("$set", new Document("status", "cancelled")
                .append("release_state", "pending").append("updated_at", java.util.Date.from(java.time.Instant.now().minusSeconds(60)))));
        await().atMost(Duration.ofSeconds(30)).until(() -> "released".equals(releaseState(t, id)));
        assertEquals(10, t.level(t.skus().get(0)), "the sweep released the allocation in ims-api");
        assertEquals(10, t.level(t.skus().get(1)));
    }

    @Test
    void tenantsAreIsolatedOnEveryOrderEndpoint() {
        TestTenant a = TestTenant.create();
        TestTenant b = TestTenant.create();
        String id = a.json().body(a.order(null)).post("/orders").then().statusCode(201).extract().path("order_id");
        b.api().get("/orders/" + id).then().statusCode(404).contentType("application/problem+json");
        b.api().post("/orders/" + id + "/cancel").then().statusCode(404);
        b.api().get("/orders").then().statusCode(200).body("items", hasSize(0));
        a.api().get("/orders/" + id).then().statusCode(200).body("status", equalTo("on_hold"));
        // a's catalogue is unknown to b.
        b.json().body(a.order(null)).post("/orders").then().statusCode(422);
        a.api().get("/orders").then().body("items", hasSize(1));
    }
}
