package io.ordermesh.webhooks;

import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.webhooks.client.WebhookSender;
import io.ordermesh.webhooks.config.DispatcherConfig;
import io.ordermesh.webhooks.support.Fixtures;
import io.ordermesh.webhooks.support.Receiver;
import io.ordermesh.webhooks.support.Receiver.Answer;
import io.ordermesh.webhooks.support.StandardWebhooks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Throughput of the whole dispatcher (Kafka → fan-out → MongoDB → claim → signed POST → result)
 * against the same HTTP client posting the same bodies to the same receiver with nothing else,
 * at the same per-endpoint concurrency. Run on demand:
 * {@code ./mvnw -B -o verify -pl webhook-dispatcher -Dtest=DispatcherBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@TestProfile(DispatcherBenchmark.ProductionSweep.class)
class DispatcherBenchmark {

    /** The %test settings, but the production sweep interval (%test sweeps every 10 s for its own test). */
    public static class ProductionSweep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ordermesh.webhooks.sweep-every", "5m");
        }
    }

    static final int EVENTS = Integer.getInteger("bench.events", 10_000);

    @Inject
    WebhookSender sender;
    @Inject
    DispatcherConfig config;

    @Test
    void deliveriesPerSecondAndP99AgainstTheBareHttpClient() throws Exception {
        UUID tenant = UUID.randomUUID();
        Map<String, Long> publishedAt = new ConcurrentHashMap<>();
        try (Fixtures fx = new Fixtures(); Receiver r = Receiver.start(n -> Answer.ok())) {
            fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.CREATED));
            List<OrderEvent> events = new ArrayList<>();
            for (int i = 0; i < EVENTS; i++) {
                events.add(fx.created(tenant, "bench-" + i));
            }
            long start = System.nanoTime();
            for (OrderEvent e : events) {
                publishedAt.put(e.order().orderId(), System.nanoTime());
                fx.publishAsync(e);
            }
            fx.flush();
            await().atMost(Duration.ofMinutes(15)).pollInterval(Duration.ofMillis(100)).until(() -> r.distinctIds() >= EVENTS);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> latencies = new ArrayList<>();
            for (Receiver.Request q : r.requests()) {
                String orderId = Fixtures.JSON.readTree(q.body()).get("data").get("order_id").asText();
                Long sent = publishedAt.get(orderId);
                if (sent != null) {
                    latencies.add((q.receivedAtNanos() - sent) / 1_000_000);
                }
            }
            Collections.sort(latencies);
            long p50 = latencies.get(latencies.size() / 2);
            long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
            double dispatcherRate = EVENTS / seconds;
            assertEquals(EVENTS, r.distinctIds());

            int concurrency = config.maxInFlightPerEndpoint();
            System.out.printf("%nDispatcherBenchmark: %d events, one subscription, %d in flight per endpoint%n", EVENTS, concurrency);
            System.out.printf("  dispatcher (Kafka -> MongoDB -> signed POST):  %8.0f deliveries/s, event-to-delivery p50 %d ms, p99 %d ms%n",
                    dispatcherRate, p50, p99);

            // The bare client: same sender bean, same receiver, same body size, same concurrency.
            String body = r.requests().get(0).body();
            Semaphore permits = new Semaphore(concurrency);
            CountDownLatch done = new CountDownLatch(EVENTS);
            Runnable ended = () -> {
                permits.release();
                done.countDown();
            };
            long rawStart = System.nanoTime();
            for (int i = 0; i < EVENTS; i++) {
                // Bounded: a post that is never answered must fail the run, not hang it.
                assertTrue(permits.tryAcquire(60, TimeUnit.SECONDS), "the bare client's posts stopped completing after " + i);
                sender.post(r.url(), null, Map.of("webhook-id", "raw_" + i), body).subscribe().with(res -> ended.run(), error -> ended.run());
            }
            assertTrue(done.await(10, TimeUnit.MINUTES), "the bare client's posts completed");
            double rawRate = EVENTS / ((System.nanoTime() - rawStart) / 1e9);
            System.out.printf("  same WebClient, same receiver, no dispatcher:  %8.0f posts/s%n", rawRate);
            System.out.printf("  ratio dispatcher / bare client:                %8.2f%n%n", dispatcherRate / rawRate);
        }
    }
}
