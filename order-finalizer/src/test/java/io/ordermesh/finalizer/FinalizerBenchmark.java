package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.inventory.Allocations;
import io.ordermesh.common.orders.Order;
import io.ordermesh.finalizer.client.Ims;
import io.ordermesh.finalizer.config.FinalizerConfig;
import io.ordermesh.finalizer.repository.OrderStore;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ordermesh.finalizer.support.Awaits.count;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Orders finalized per second end to end (order.created on Kafka -> IMS batch allocation -> CAS
 * bulk write with the event -> offsets committed), 100,000 orders of 1-3 items over 200 SKUs with
 * enough stock, and in the same run the rate of the IMS batch allocation alone (the same REST
 * client, batches of 500, as many callers as consumer threads), as a ratio. Run on demand:
 * {@code ./mvnw verify -pl order-finalizer -Dtest=FinalizerBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.orders=N} to change the size).
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
@TestProfile(FinalizerBenchmark.ProductionRetry.class)
class FinalizerBenchmark {

    /**
     * The %test settings, but held orders retried at the production interval: %test looks for due
     * retries every 2 s, a query that reads the whole collection on the embedded server.
     */
    public static class ProductionRetry implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ordermesh.finalizer.retry.every", "2m");
        }
    }

    @Inject
    OrderStore store;
    @Inject
    ObjectMapper json;
    @Inject
    Topics topics;
    @Inject
    Ims imsClient;
    @Inject
    MeterRegistry metrics;
    @Inject
    FinalizerConfig config;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String imsUrl;

    @Test
    void finalizeRateAgainstImsBatchAllocationRate() throws Exception {
        int n = Integer.getInteger("bench.orders", 100_000);
        ImsData ims = new ImsData(imsUrl);
        ImsData.Tenant t = ims.tenant(200);
        for (UUID sku : t.skus()) {
            ims.setStock(t, sku, 10_000_000);
        }
        Random random = new Random(42);
        List<Order> orders = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<UUID, Integer> items = new LinkedHashMap<>();
            int k = 1 + random.nextInt(3);
            while (items.size() < k) {
                items.put(t.skus().get(random.nextInt(t.skus().size())), 1 + random.nextInt(3));
            }
            orders.add(OrderFeed.order(t, "b-" + i, items));
        }

        long insertStart = System.nanoTime();
        try (OrderFeed feed = new OrderFeed(store.orders(), json, topics.orderCreated())) {
            feed.insert(orders); // what oms-api / csv-processor already did: not part of the finalizer's time
            System.out.printf("[bench] inserted %,d on_hold orders in %.1f s%n", n, (System.nanoTime() - insertStart) / 1e9);
            double before = allocatedSoFar();
            long start = System.nanoTime();
            feed.publish(orders);
            while (allocatedSoFar() - before < n) {
                Thread.sleep(100);
                if (System.nanoTime() - start > Duration.ofMinutes(20).toNanos()) {
                    throw new AssertionError("only " + (allocatedSoFar() - before) + " of " + n + " finalized in 20 min");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(n, count(store.orders(), t.id(), "new_order"));
            double finalizeRate = n / seconds;

            // The same allocations for fresh order ids, IMS only: the finalizer's upper bound.
            int callers = config.consumer().threads();
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            long imsStart = System.nanoTime();
            List<Future<?>> work = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                work.add(pool.submit(() -> {
                    int from;
                    while ((from = next.getAndAdd(Allocations.MAX_BATCH)) < n) {
                        List<Allocations.Request> batch = new ArrayList<>();
                        for (int i = from; i < Math.min(n, from + Allocations.MAX_BATCH); i++) {
                            Order o = orders.get(i);
                            batch.add(new Allocations.Request("ims-only-" + i, o.hubId(),
                                    o.items().stream().map(it -> new Allocations.Item(it.skuId(), it.quantity())).toList()));
                        }
                        imsClient.allocate(t.id(), batch);
                    }
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
            pool.shutdown();
            double imsSeconds = (System.nanoTime() - imsStart) / 1e9;
            double imsRate = n / imsSeconds;
            System.out.printf("[bench] order-finalizer: %,d orders finalized in %.1f s = %,.0f orders/s (%d consumer threads, max.poll.records %d)%n",
                    n, seconds, finalizeRate, callers, config.consumer().maxPollRecords());
            System.out.printf("[bench] IMS batch allocation alone: %,d orders in %.1f s = %,.0f orders/s (%d callers, batches of %d)%n",
                    n, imsSeconds, imsRate, callers, Allocations.MAX_BATCH);
            System.out.printf("[bench] ratio finalizer / IMS batch allocation = %.2f%n", finalizeRate / imsRate);
        }
    }

    private double allocatedSoFar() {
        var c = metrics.find("ordermesh.finalizer.orders").tag("outcome", "allocated").counter();
        return c == null ? 0 : c.count();
    }
}
