package io.ordermesh.ims;

import io.agroal.api.AgroalDataSource;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.ordermesh.ims.ImsFixtures.as;
import static io.ordermesh.ims.ImsFixtures.hub;
import static io.ordermesh.ims.ImsFixtures.level;
import static io.ordermesh.ims.ImsFixtures.seller;
import static io.ordermesh.ims.ImsFixtures.sku;
import static io.ordermesh.ims.ImsFixtures.stock;
import static io.ordermesh.ims.ImsFixtures.tenant;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "postgres-database", value = "ims"))
class AllocationTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    AgroalDataSource db;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void allocationNeverOversellsUnderConcurrency() throws Exception {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 500);

        List<Integer> statuses = concurrently(2000, 32, i -> post(t, "/inventory/allocations", allocation("o-" + i, hub, Map.of(sku, 1))));

        assertEquals(500, Collections.frequency(statuses, 201), "allocated");
        assertEquals(1500, Collections.frequency(statuses, 409), "short of stock");
        assertEquals(0, level(t, hub, sku));
        // 1 row for the initial stock, one per allocation; the deltas add up to the level.
        assertEquals(501, transactionRows(t, hub, sku));
        assertEquals(0, sumOfDeltas(t, hub, sku));
        assertEquals(500, count("SELECT count(*) FROM allocations WHERE tenant_id = ?::uuid AND status = 'allocated'", t));
    }

    @Test
    void multiItemOrdersOverOverlappingSkusNeitherDeadlockNorOversell() throws Exception {
        String t = tenant();
        String hub = hub(t);
        String seller = seller(t);
        List<String> skus = List.of(sku(t, seller), sku(t, seller), sku(t, seller), sku(t, seller));
        for (String s : skus) {
            stock(t, hub, s, 300);
        }
        // Each order takes 1 of three of the four SKUs, listed in a different order each time.
        List<Integer> statuses = concurrently(600, 24, i -> {
            List<String> mine = new ArrayList<>(skus);
            mine.remove(i % 4);
            Collections.rotate(mine, i % 3);
            Map<String, Integer> items = new java.util.LinkedHashMap<>();
            mine.forEach(s -> items.put(s, 1));
            return post(t, "/inventory/allocations", allocation("m-" + i, hub, items));
        });
        long allocated = Collections.frequency(statuses, 201);
        assertEquals(600, allocated + Collections.frequency(statuses, 409), "every request answered 201 or 409: " + statuses);
        long remaining = 0;
        for (String s : skus) {
            long l = level(t, hub, s);
            assertTrue(l >= 0);
            remaining += l;
            assertEquals(l, sumOfDeltas(t, hub, s), "deltas of " + s + " add up to its level");
        }
        assertEquals(4 * 300 - 3 * allocated, remaining, "each allocated order took exactly 3 units");
    }

    @Test
    void sameAllocationSentTenTimesConcurrentlyAllocatesOnce() throws Exception {
        String t = tenant();
        String hub = hub(t);
        String seller = seller(t);
        String a = sku(t, seller);
        String b = sku(t, seller);
        stock(t, hub, a, 10);
        stock(t, hub, b, 10);
        String body = allocation("dup-1", hub, Map.of(a, 2, b, 3));

        List<Integer> statuses = concurrently(10, 10, i -> post(t, "/inventory/allocations", body));

        assertEquals(Collections.nCopies(10, 201), statuses);
        assertEquals(8, level(t, hub, a));
        assertEquals(7, level(t, hub, b));
        assertEquals(2, count("SELECT count(*) FROM inventory_transactions WHERE tenant_id = ?::uuid AND reference = 'dup-1'", t));
    }

    @Test
    void shortOfStockChangesNothingAndNamesEveryShortage() {
        String t = tenant();
        String hub = hub(t);
        String seller = seller(t);
        String a = sku(t, seller);
        String b = sku(t, seller);
        stock(t, hub, a, 5);
        stock(t, hub, b, 1);

        as(t).body(allocation("short-1", hub, Map.of(a, 3, b, 2))).post("/inventory/allocations").then()
                .statusCode(409).body("status", equalTo("insufficient"))
                .body("shortages", hasSize(1)).body("shortages[0].sku_id", equalTo(b))
                .body("shortages[0].requested", equalTo(2)).body("shortages[0].available", equalTo(1));
        assertEquals(5, level(t, hub, a), "all or nothing: the SKU in stock was not taken");
        assertEquals(0, count("SELECT count(*) FROM allocations WHERE tenant_id = ?::uuid", t));

        // Not remembered: once stock arrives the same order allocates.
        stock(t, hub, b, 2);
        as(t).body(allocation("short-1", hub, Map.of(a, 3, b, 2))).post("/inventory/allocations").then()
                .statusCode(201).body("status", equalTo("allocated"));
        assertEquals(2, level(t, hub, a));
        assertEquals(0, level(t, hub, b));
    }

    @Test
    void releaseGivesStockBackOnceAndIsIdempotent() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 4);
        as(t).body(allocation("rel-1", hub, Map.of(sku, 3))).post("/inventory/allocations").then().statusCode(201);
        assertEquals(1, level(t, hub, sku));

        for (int i = 0; i < 3; i++) {
            as(t).delete("/inventory/allocations/rel-1").then().statusCode(200).body("status", equalTo("released"));
        }
        assertEquals(4, level(t, hub, sku));
        assertEquals(3, transactionRows(t, hub, sku), "stock, allocation, one release");
        assertEquals(4, sumOfDeltas(t, hub, sku));
        // The released order stays released: a redelivered allocation takes nothing.
        as(t).body(allocation("rel-1", hub, Map.of(sku, 3))).post("/inventory/allocations").then()
                .statusCode(409).body("status", equalTo("released"));
        assertEquals(4, level(t, hub, sku));
    }

    @Test
    void aCancelThatOvertakesTheAllocationLeavesTheStockAlone() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 2);
        as(t).delete("/inventory/allocations/late-1").then().statusCode(200).body("status", equalTo("released"));
        as(t).body(allocation("late-1", hub, Map.of(sku, 1))).post("/inventory/allocations").then()
                .statusCode(409).body("status", equalTo("released"));
        assertEquals(2, level(t, hub, sku));
    }

    @Test
    void batchAnswersPerOrderInRequestOrder() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 3);
        String unknownSku = UUID.randomUUID().toString();
        String body = "{\"allocations\":[" + String.join(",",
                allocation("b-1", hub, Map.of(sku, 2)),
                allocation("b-2", hub, Map.of(sku, 2)),
                allocation("b-3", hub, Map.of(sku, 1)),
                allocation("b-4", hub, Map.of(unknownSku, 1)),
                "{\"order_id\":\"b-5\",\"hub_id\":\"" + hub + "\",\"items\":[{\"sku_id\":\"" + sku + "\",\"quantity\":0}]}",
                allocation("b-1", hub, Map.of(sku, 2))) + "]}";
        as(t).body(body).post("/inventory/allocations/batch").then().statusCode(200)
                .body("results.order_id", equalTo(List.of("b-1", "b-2", "b-3", "b-4", "b-5", "b-1")))
                .body("results.status", equalTo(List.of("allocated", "insufficient", "allocated", "invalid", "invalid", "allocated")))
                .body("results[3].error", equalTo("unknown sku " + unknownSku))
                .body("results[4].error", equalTo("items[0].quantity must be greater than 0"));
        assertEquals(0, level(t, hub, sku));
    }

    @Test
    void badAllocationRequestsAreProblems() {
        String t = tenant();
        String hub = hub(t);
        as(t).body("{\"order_id\": \"x\", \"hub_id\": ").post("/inventory/allocations").then()
                .statusCode(400).contentType("application/problem+json");
        as(t).body(allocation("neg-1", hub, Map.of(UUID.randomUUID().toString(), -1))).post("/inventory/allocations").then()
                .statusCode(422).contentType("application/problem+json").body("errors[0].field", equalTo("items[0].quantity"));
        StringBuilder big = new StringBuilder("{\"allocations\":[");
        for (int i = 0; i < 501; i++) {
            big.append(i > 0 ? "," : "").append(allocation("big-" + i, hub, Map.of(UUID.randomUUID().toString(), 1)));
        }
        as(t).body(big.append("]}").toString()).post("/inventory/allocations/batch").then()
                .statusCode(422).contentType("application/problem+json").body("detail", equalTo("a batch takes at most 500 orders, got 501"));
        io.restassured.RestAssured.given().contentType("application/json").body(allocation("h-1", hub, Map.of(UUID.randomUUID().toString(), 1)))
                .post("/inventory/allocations").then().statusCode(400).contentType("application/problem+json");
    }

    // ---- helpers ---------------------------------------------------------------------------

    static String allocation(String orderId, String hub, Map<String, Integer> items) {
        StringBuilder sb = new StringBuilder("{\"order_id\":\"").append(orderId).append("\",\"hub_id\":\"").append(hub).append("\",\"items\":[");
        int i = 0;
        for (var e : items.entrySet()) {
            sb.append(i++ > 0 ? "," : "").append("{\"sku_id\":\"").append(e.getKey()).append("\",\"quantity\":").append(e.getValue()).append('}');
        }
        return sb.append("]}").toString();
    }

    private int post(String tenant, String path, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .header("Content-Type", "application/json").header(Tenants.HEADER, tenant)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @FunctionalInterface
    interface Call {
        int run(int i) throws Exception;
    }

    private static List<Integer> concurrently(int n, int threads, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int idx = i;
                futures.add(pool.submit((Callable<Integer>) () -> call.run(idx)));
            }
            List<Integer> out = new ArrayList<>();
            for (Future<Integer> f : futures) {
                out.add(f.get(120, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private long transactionRows(String t, String hub, String sku) {
        return count("SELECT count(*) FROM inventory_transactions WHERE tenant_id = ?::uuid AND hub_id = ?::uuid AND sku_id = ?::uuid", t, hub, sku);
    }

    private long sumOfDeltas(String t, String hub, String sku) {
        return count("SELECT coalesce(sum(delta), 0) FROM inventory_transactions WHERE tenant_id = ?::uuid AND hub_id = ?::uuid AND sku_id = ?::uuid", t, hub, sku);
    }

    private long count(String sql, String... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
