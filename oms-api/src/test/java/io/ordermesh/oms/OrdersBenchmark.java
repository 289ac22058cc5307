package io.ordermesh.oms;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.Document;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * POST /orders throughput and latency at 1, 16 and 64 concurrent clients, and in the same run the
 * raw rate of what each order costs at minimum (one MongoDB insert plus one Kafka send) on the
 * same servers. Not part of the normal build:
 * {@code ./mvnw verify -pl common,test-support,oms-api -Dtest=OrdersBenchmark -Dordermesh.benchmark=true -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}
 */
@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
@EnabledIfSystemProperty(named = "ordermesh.benchmark", matches = "true")
class OrdersBenchmark {

    private static final int SECONDS = Integer.getInteger("ordermesh.benchmark.seconds", 10);

    @TestHTTPResource("/orders")
    URI orders;
    @Inject
    com.mongodb.client.MongoDatabase database;

    @Test
    void postOrdersAgainstRawInsertPlusSend() throws Exception {
        TestTenant t = TestTenant.create();
        String body = new ObjectMapper().writeValueAsString(t.order(null));
        // Hot path as in production: the first requests miss the shared catalogue cache, ims-api
        // answers and fills it (TTL 10 min), so the measured runs read Redis only.
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(8)).build();
        // Warm-up (JIT, connection pools, catalogue path).
        run(16, 3, () -> post(http, t, body));
        double api16 = 0;
        StringBuilder report = new StringBuilder("\n=== OrdersBenchmark (" + SECONDS + " s per level, 2-core machine, local stack) ===\n");
        for (int clients : new int[]{1, 16, 64}) {
            Result r = run(clients, SECONDS, () -> post(http, t, body));
            if (clients == 16) {
                api16 = r.rate();
            }
            report.append(String.format("POST /orders  clients=%-3d  %8.0f orders/s  p50 %6.2f ms  p99 %6.2f ms  (%d orders)%n",
                    clients, r.rate(), r.p(50), r.p(99), r.count()));
        }
        String topic = ConfigProvider.getConfig().getValue("ordermesh.topics.order-created", String.class) + ".raw";
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Outbox.producerProperties("127.0.0.1:9092", "bench-raw"))) {
            var coll = database.getCollection("bench_raw");
            Runnable op = () -> {
                String id = UUID.randomUUID().toString();
                coll.insertOne(new Document("_id", id).append("tenant_id", t.id().toString()).append("body", body).append("created_at", new Date()));
                producer.send(new ProducerRecord<>(topic, id, body));
            };
            run(16, 2, op);
            Result r = run(16, SECONDS, op);
            producer.flush();
            report.append(String.format("raw insert+send clients=16  %8.0f ops/s  p50 %6.2f ms  p99 %6.2f ms%n", r.rate(), r.p(50), r.p(99)));
            report.append(String.format("ratio POST /orders / raw at 16 clients: %.2f%n", api16 / r.rate()));
        }
        System.out.println(report);
    }

    private void post(HttpClient http, TestTenant t, String body) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(orders).header("X-Tenant-ID", t.id().toString())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("POST /orders answered " + r.statusCode());
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    record Result(long count, double seconds, long[] nanos) {
        double rate() {
            return count / seconds;
        }

        double p(int percentile) {
            return nanos.length == 0 ? 0 : nanos[Math.min(nanos.length - 1, (int) Math.ceil(percentile / 100.0 * nanos.length) - 1)] / 1e6;
        }
    }

    private static Result run(int clients, int seconds, Runnable op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                List<Long> lat = new ArrayList<>();
                while (System.nanoTime() < end) {
                    long s = System.nanoTime();
                    op.run();
                    lat.add(System.nanoTime() - s);
                }
                return lat;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Result(sorted.length, elapsed, sorted);
    }
}
