package io.ordermesh.loadtest;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;

/**
 * {@code concurrency} clients, each sending its next {@code POST /orders} as soon as the previous
 * one is answered (closed loop), until {@code num} orders are sent. Latency is recorded in
 * microseconds per request; answers are counted by status ({@code io-error} when there was none).
 */
final class OrderDriver {

    record Result(long sent, long created, double seconds, Histogram latencyMicros, Map<String, Long> byStatus) {
        double createdPerSecond() {
            return created / seconds;
        }
    }

    private final Http http;
    private final String omsUrl;
    private final String tenant;
    final AtomicLong answered = new AtomicLong();

    OrderDriver(Http http, String omsUrl, String tenant) {
        this.http = http;
        this.omsUrl = omsUrl;
        this.tenant = tenant;
    }

    /** {@code body(i)} is the JSON of order {@code i}. */
    Result run(long num, int concurrency, LongFunction<Object> body) throws Exception {
        Histogram latency = new ConcurrentHistogram(60_000_000L, 3);
        Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                clients.add(pool.submit(() -> {
                    for (long i = next.getAndIncrement(); i < num; i = next.getAndIncrement()) {
                        HttpRequest req = http.request(omsUrl + "/orders", tenant).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(Http.json(body.apply(i)))).build();
                        long s = System.nanoTime();
                        String status;
                        try {
                            status = Integer.toString(http.send(req).status());
                        } catch (UncheckedIOException e) {
                            status = "io-error";
                        }
                        latency.recordValue(Math.min((System.nanoTime() - s) / 1000, 60_000_000L));
                        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
                        answered.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
        return new Result(num, byStatus.getOrDefault("201", 0L), seconds, latency, byStatus);
    }

    /** An order of {@code items} distinct SKUs of the fixture, one unit each, with a client order id. */
    static Map<String, Object> order(Fixture f, String orderId, long i, int items) {
        List<Map<String, Object>> lines = new ArrayList<>();
        for (int k = 0; k < items; k++) {
            lines.add(Map.of("sku_id", f.skus().get((int) ((i + k) % f.skus().size())), "quantity", 1, "price", 9.99));
        }
        return Map.of("order_id", orderId, "seller_id", f.seller(), "hub_id", f.hub(), "items", lines);
    }
}
