package io.ordermesh.ims;

import io.agroal.api.AgroalDataSource;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.ims.repository.InventoryStore;
import io.ordermesh.ims.repository.InventoryStore.Change;
import io.ordermesh.ims.repository.InventoryStore.Level;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static io.ordermesh.ims.ImsFixtures.hub;
import static io.ordermesh.ims.ImsFixtures.seller;
import static io.ordermesh.ims.ImsFixtures.sku;
import static io.ordermesh.ims.ImsFixtures.stock;
import static io.ordermesh.ims.ImsFixtures.tenant;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prints allocations per second through {@code POST /inventory/allocations/batch} and, in the same
 * run and on the same database, the rate of the same statements issued directly over JDBC. Not part
 * of the build's tests (surefire excludes *Benchmark); run it with
 * {@code ./mvnw verify -pl ims-api -Dtest=AllocationBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "postgres-database", value = "ims"))
class AllocationBenchmark {

    private static final int ORDERS = Integer.getInteger("bench.orders", 20_000);
    private static final int BATCH = 500;
    private static final int CLIENTS = 4;
    private static final int SKUS = 200;

    @TestHTTPResource("/")
    URL base;

    @Inject
    AgroalDataSource db;

    @Inject
    InventoryStore store;

    @Test
    void allocationRateThroughTheServiceAndDirectlyOverJdbc() throws Exception {
        String t = tenant();
        String hub = hub(t);
        String seller = seller(t);
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < SKUS; i++) {
            skus.add(sku(t, seller));
            stock(t, hub, skus.get(i), 10_000_000);
        }
        warmUp(t, hub, skus);

        double service = viaService(t, hub, skus, "svc");
        double jdbc = viaJdbc(UUID.fromString(t), UUID.fromString(hub), skus, "raw");
        System.out.printf("%n=== ims-api allocation benchmark (%d orders of 1-3 items, batches of %d, %d clients, %d SKUs) ===%n",
                ORDERS, BATCH, CLIENTS, SKUS);
        System.out.printf("service  POST /inventory/allocations/batch : %8.0f orders/s%n", service);
        System.out.printf("raw JDBC same statements, no HTTP      : %8.0f orders/s%n", jdbc);
        System.out.printf("ratio service / raw                    : %8.2f%n%n", service / jdbc);
    }

    private void warmUp(String t, String hub, List<String> skus) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 5; i++) {
            send(http, t, batch("warm-" + i, 0, BATCH, hub, skus));
        }
    }

    private double viaService(String t, String hub, List<String> skus, String prefix) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int from = 0; from < ORDERS; from += BATCH) {
            int start = from;
            futures.add(pool.submit(() -> {
                String body = batch(prefix, start, Math.min(BATCH, ORDERS - start), hub, skus);
                send(http, t, body);
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double rate = ORDERS / ((System.nanoTime() - t0) / 1e9);
        pool.shutdown();
        return rate;
    }

    /** The statements AllocationService issues, in the same order, over plain JDBC transactions. */
    private double viaJdbc(UUID tenant, UUID hub, List<String> skus, String prefix) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int from = 0; from < ORDERS; from += BATCH) {
            int start = from;
            futures.add(pool.submit(() -> {
                try (Connection c = db.getConnection()) {
                    c.setAutoCommit(false);
                    List<String> ids = new ArrayList<>();
                    List<UUID> hubs = new ArrayList<>();
                    List<String> items = new ArrayList<>();
                    List<Map<UUID, Integer>> orders = new ArrayList<>();
                    for (int i = start; i < Math.min(start + BATCH, ORDERS); i++) {
                        Map<UUID, Integer> order = order(skus);
                        orders.add(order);
                        ids.add(prefix + "-" + i);
                        hubs.add(hub);
                        items.add("[]");
                    }
                    store.claim(c, tenant, ids, hubs, items, Instant.now());
                    List<Level> levels = orders.stream().flatMap(o -> o.keySet().stream().map(s -> new Level(hub, s))).toList();
                    Map<Level, Long> available = new HashMap<>(store.lock(c, tenant, levels, false));
                    Map<Level, Long> deltas = new HashMap<>();
                    List<Change> changes = new ArrayList<>();
                    for (int i = 0; i < orders.size(); i++) {
                        for (var e : orders.get(i).entrySet()) {
                            Level l = new Level(hub, e.getKey());
                            long after = available.merge(l, (long) -e.getValue(), Long::sum);
                            deltas.merge(l, (long) -e.getValue(), Long::sum);
                            changes.add(new Change(hub, e.getKey(), -e.getValue(), after, "allocation", ids.get(i)));
                        }
                    }
                    store.applyDeltas(c, tenant, deltas);
                    store.record(c, tenant, changes);
                    c.commit();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double rate = ORDERS / ((System.nanoTime() - t0) / 1e9);
        pool.shutdown();
        return rate;
    }

    private static Map<UUID, Integer> order(List<String> skus) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        Map<UUID, Integer> items = new HashMap<>();
        int n = 1 + r.nextInt(3);
        while (items.size() < n) {
            items.put(UUID.fromString(skus.get(r.nextInt(skus.size()))), 1 + r.nextInt(3));
        }
        return items;
    }

    private static String batch(String prefix, int from, int n, String hub, List<String> skus) {
        StringBuilder sb = new StringBuilder("{\"allocations\":[");
        for (int i = 0; i < n; i++) {
            Map<String, Integer> items = new HashMap<>();
            order(skus).forEach((k, v) -> items.put(k.toString(), v));
            sb.append(i > 0 ? "," : "").append(AllocationTest.allocation(prefix + "-" + (from + i), hub, items));
        }
        return sb.append("]}").toString();
    }

    private void send(HttpClient http, String tenant, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base.toString()).resolve("/inventory/allocations/batch"))
                .header("Content-Type", "application/json").header(Tenants.HEADER, tenant)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
