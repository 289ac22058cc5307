package io.ordermesh.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tenants' webhook endpoint: a JDK HTTP server on 127.0.0.1, one path per tenant
 * ({@code /hooks/<tenant>}). It records every delivery and checks its Standard Webhooks signature
 * with its own code, written from the spec (HMAC-SHA256 of {@code id.timestamp.body} keyed with the
 * base64 after {@code whsec_}, {@code v1,} + base64, any of the space-separated signatures), not
 * with the dispatcher's class. It answers 200 to anything it can verify and 401 otherwise, so a
 * badly signed delivery shows up as a failure, not as a silent success.
 */
public final class Receiver implements AutoCloseable {

    /** One arrival: who it was for, which delivery, which order in which state, and whether its signature held. */
    public record Arrival(String pathTenant, String webhookId, String type, String tenantId, String orderId,
                          String status, boolean signatureValid, long receivedAtMillis) {
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(16);
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    /** First valid arrival per webhook-id (a redelivery of the same id is counted, not stored twice). */
    private final Map<String, Arrival> byId = new ConcurrentHashMap<>();
    private final List<Arrival> invalid = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong arrivals = new AtomicLong();
    private final AtomicLong repeats = new AtomicLong();

    private Receiver(HttpServer server) {
        this.server = server;
    }

    public static Receiver start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
            Receiver r = new Receiver(s);
            s.createContext("/hooks/", r::handle);
            s.setExecutor(r.pool);
            s.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The callback URL of a tenant, and from now on the secret its deliveries must be signed with. */
    public String endpoint(String tenant, String secret) {
        secrets.put(tenant, secret);
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/" + tenant;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            arrivals.incrementAndGet();
            String tenant = ex.getRequestURI().getPath().substring("/hooks/".length());
            String id = ex.getRequestHeaders().getFirst("webhook-id");
            String timestamp = ex.getRequestHeaders().getFirst("webhook-timestamp");
            String signature = ex.getRequestHeaders().getFirst("webhook-signature");
            String type = null;
            String tenantId = null;
            String orderId = null;
            String status = null;
            try {
                JsonNode payload = Api.JSON.readTree(body);
                type = payload.path("type").asText(null);
                tenantId = payload.path("data").path("tenant_id").asText(null);
                orderId = payload.path("data").path("order_id").asText(null);
                status = payload.path("data").path("status").asText(null);
            } catch (IOException notJson) {
                // recorded as invalid below
            }
            boolean valid = id != null && timestamp != null && signature != null && type != null
                    && verify(secrets.get(tenant), id, timestamp, body, signature);
            Arrival a = new Arrival(tenant, id, type, tenantId, orderId, status, valid, System.currentTimeMillis());
            if (!valid) {
                invalid.add(a);
            } else if (byId.putIfAbsent(id, a) != null) {
                repeats.incrementAndGet();
            }
            ex.sendResponseHeaders(valid ? 200 : 401, -1);
        }
    }

    static boolean verify(String secret, String id, String timestamp, byte[] body, String header) {
        if (secret == null || !secret.startsWith("whsec_")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            for (String part : header.trim().split(" +")) {
                if (part.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(part.substring(3)))) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Valid arrivals, one per webhook-id. */
    public List<Arrival> delivered() {
        return List.copyOf(byId.values());
    }

    public List<Arrival> deliveredTo(String tenant) {
        return byId.values().stream().filter(a -> tenant.equals(a.pathTenant())).toList();
    }

    public List<Arrival> invalid() {
        return List.copyOf(invalid);
    }

    public long arrivals() {
        return arrivals.get();
    }

    /** Valid arrivals of a webhook-id seen before (at-least-once: a retry after a crash). */
    public long repeats() {
        return repeats.get();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
