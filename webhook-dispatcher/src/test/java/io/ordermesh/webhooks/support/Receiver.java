package io.ordermesh.webhooks.support;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A tenant's callback endpoint for tests: a real HTTP server on 127.0.0.1 (random port) that
 * records every request and answers as the test's script says for the n-th request (1-based).
 */
public final class Receiver implements AutoCloseable {

    public record Answer(int status, Map<String, String> headers, long delayMillis, String body) {
        public static Answer ok() {
            return new Answer(200, Map.of(), 0, "ok");
        }

        public static Answer status(int status) {
            return new Answer(status, Map.of(), 0, "status " + status);
        }

        public static Answer hang(long millis) {
            return new Answer(200, Map.of(), millis, "late");
        }
    }

    public record Request(String id, String timestamp, String signature, String body, long receivedAtMillis, long receivedAtNanos,
                          Map<String, String> headers) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> perId = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile IntFunction<Answer> script;

    private Receiver(IntFunction<Answer> script) throws IOException {
        this.script = script;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            int n = count.incrementAndGet();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            Request r = new Request(headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature"),
                    body, System.currentTimeMillis(), System.nanoTime(), headers);
            requests.add(r);
            if (r.id() != null) {
                perId.computeIfAbsent(r.id(), k -> new AtomicInteger()).incrementAndGet();
            }
            Answer a = this.script.apply(n);
            if (a.delayMillis() > 0) {
                try {
                    Thread.sleep(a.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            try {
                exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
                if (out.length > 0) {
                    try (OutputStream os = exchange.getResponseBody()) {
                        os.write(out);
                    }
                }
            } catch (IOException clientGone) {
                // the dispatcher gave up waiting (timeout); nothing to answer
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public static Receiver start(IntFunction<Answer> script) throws IOException {
        return new Receiver(script);
    }

    public void script(IntFunction<Answer> script) {
        this.script = script;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public int count() {
        return count.get();
    }

    /** Distinct {@code webhook-id}s received. */
    public int distinctIds() {
        return perId.size();
    }

    public Map<String, AtomicInteger> perId() {
        return perId;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
