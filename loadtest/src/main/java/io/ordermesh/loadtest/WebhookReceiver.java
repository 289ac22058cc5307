package io.ordermesh.loadtest;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The tenant's callback endpoint, on 127.0.0.1: answers 204 and counts deliveries, distinct by
 * {@code webhook-id} (a retried delivery keeps its id, so a repeat is not counted twice), by
 * event type, and when the first one arrived.
 */
final class WebhookReceiver implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final Map<String, LongAdder> byType = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final AtomicLong firstNanos = new AtomicLong();

    WebhookReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.createContext("/hook", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                requests.increment();
                firstNanos.compareAndSet(0, System.nanoTime());
                String id = exchange.getRequestHeaders().getFirst("webhook-id");
                if (id == null || ids.add(id)) {
                    byType.computeIfAbsent(type(body), k -> new LongAdder()).increment();
                }
                exchange.sendResponseHeaders(204, -1);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(pool);
        server.start();
    }

    static String type(String body) {
        int i = body.indexOf("\"type\"");
        if (i < 0) {
            return "unknown";
        }
        int q1 = body.indexOf('"', body.indexOf(':', i) + 1);
        int q2 = body.indexOf('"', q1 + 1);
        return q1 < 0 || q2 < 0 ? "unknown" : body.substring(q1 + 1, q2);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    /** Distinct deliveries (by webhook-id). */
    long delivered() {
        return byType.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long requests() {
        return requests.sum();
    }

    long ofType(String type) {
        LongAdder a = byType.get(type);
        return a == null ? 0 : a.sum();
    }

    /** System.nanoTime() of the first delivery, 0 if none yet. */
    long firstNanos() {
        return firstNanos.get();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
