package io.ordermesh.systemtests;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One tenant as a test drives it through the public APIs: its catalogue (a seller, a hub, SKUs),
 * its stock, its webhook subscription on the {@link Receiver}, and the orders it placed, which the
 * {@link Promises} are checked against.
 */
public final class Shop {

    public final Suite suite;
    public final String name;
    public final String tenant;
    public final String seller;
    public final String hub;
    public final List<String> skus = new ArrayList<>();
    public final String webhookId;
    /** Units ever put on each SKU's level (initial + additions). */
    public final Map<String, Long> stocked = new ConcurrentHashMap<>();
    /** Every order id the tenant was told is accepted (201/200, or a CSV row counted valid). */
    public final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** 5xx answers to POST /orders that the client retried (reported, not hidden). */
    public final java.util.concurrent.atomic.AtomicLong serverErrors = new java.util.concurrent.atomic.AtomicLong();

    private Shop(Suite suite, String name, int skuCount, long stockPerSku) {
        this.suite = suite;
        this.name = name;
        Api ims = suite.ims();
        tenant = ims.create(null, "/tenants", Map.of("code", name + "-" + UUID.randomUUID(), "name", name));
        seller = ims.create(tenant, "/sellers", Map.of("code", "seller", "name", "Seller of " + name));
        hub = ims.create(tenant, "/hubs", Map.of("code", "hub", "name", "Hub of " + name));
        for (int i = 0; i < skuCount; i++) {
            String sku = ims.create(tenant, "/skus", Map.of("code", "sku-" + i, "name", "SKU " + i, "seller_id", seller, "price", 2));
            skus.add(sku);
            Api.Answer a = ims.put(tenant, "/inventory", Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", stockPerSku, "reason", "initial"));
            assertEquals(2, a.status() / 100, () -> "PUT /inventory: " + a);
            stocked.put(sku, stockPerSku);
        }
        // The secret is shown once, on create; the receiver keeps it to verify every delivery.
        String placeholder = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
        String url = suite.receiver.endpoint(tenant, placeholder);
        Api.Answer w = suite.oms().post(tenant, "/webhooks", Map.of("url", url,
                "events", List.of("order.created", "order.updated"), "description", "system tests"));
        assertEquals(201, w.status(), () -> "POST /webhooks: " + w);
        webhookId = w.text("id");
        suite.receiver.endpoint(tenant, w.text("secret"));
    }

    public static Shop open(Suite suite, String name, int skuCount, long stockPerSku) {
        return new Shop(suite, name, skuCount, stockPerSku);
    }

    public void addStock(String sku, long delta) {
        Api.Answer a = suite.ims().post(tenant, "/inventory/adjustments",
                Map.of("hub_id", hub, "sku_id", sku, "delta", delta, "reason", "restock"));
        assertEquals(2, a.status() / 100, () -> "adjustment: " + a);
        stocked.merge(sku, delta, Long::sum);
    }

    /** {@code POST /orders} of one single-item order; an accepted one is remembered. */
    public Api.Answer order(String orderId, String sku, int quantity) {
        Map<String, Object> body = Map.of("order_id", orderId, "seller_id", seller, "hub_id", hub,
                "items", List.of(Map.of("sku_id", sku, "quantity", quantity, "price", 2)));
        Api.Answer a = suite.oms().post(tenant, "/orders", body);
        // A client sends a 5xx'd order again, with the same order_id: the answer is the stored order (200)
        // or a new one (201), never a second order. Here that happens when the shared embedded MongoDB stalls.
        for (int attempt = 1; a.status() >= 500 && attempt <= 12; attempt++) {
            serverErrors.incrementAndGet();
            Suite.sleep(Math.min(10_000, 500L * attempt));
            a = suite.oms().post(tenant, "/orders", body);
        }
        if (a.status() == 201 || a.status() == 200) {
            accepted.add(orderId);
        }
        return a;
    }

    /** {@code count} orders over REST from 16 clients at once, {@code api-<prefix>-<i>}, each 1 unit of {@code sku.apply(i)}. */
    public void orders(String prefix, int count, IntFunction<String> sku) {
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<Api.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                answers.add(clients.submit(() -> order("api-" + prefix + "-" + n, sku.apply(n), 1)));
            }
            for (Future<Api.Answer> f : answers) {
                Api.Answer a = f.get();
                if (a.status() != 201 && a.status() != 200) {
                    throw new AssertionError("POST /orders answered " + a);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a REST client failed", e.getCause());
        } finally {
            clients.shutdownNow();
        }
    }

    /** A CSV of {@code rows} single-unit orders without order_id; {@code invalid.apply(i)} = the reason's kind for bad rows, or null. */
    public CsvFile csv(int rows, IntFunction<String> sku, IntFunction<String> invalid) {
        StringBuilder b = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        List<Integer> valid = new ArrayList<>();
        Map<Integer, String> bad = new java.util.TreeMap<>();
        for (int i = 0; i < rows; i++) {
            int line = i + 2;
            String kind = invalid.apply(i);
            String s = sku.apply(i);
            String row = kind == null ? "," + s + ",1," + seller + "," + hub + ",2"
                    : switch (kind) {
                        case "quantity" -> "," + s + ",0," + seller + "," + hub + ",2";
                        case "price" -> "," + s + ",1," + seller + "," + hub + ",2.345";
                        case "sku" -> "," + UUID.randomUUID() + ",1," + seller + "," + hub + ",2";
                        case "hub" -> "," + s + ",1," + seller + ",,2";
                        default -> throw new IllegalArgumentException(kind);
                    };
            b.append(row).append('\n');
            if (kind == null) {
                valid.add(line);
            } else {
                bad.put(line, row);
            }
        }
        return new CsvFile(b.toString().getBytes(StandardCharsets.UTF_8), valid, bad);
    }

    /** A generated file: its bytes, the line numbers of its valid rows and the invalid rows as written. */
    public record CsvFile(byte[] content, List<Integer> validLines, Map<Integer, String> invalidRows) {
    }

    /** Uploads through oms-api and answers the upload id; the file's valid rows count as accepted once the job completes. */
    public String upload(CsvFile file, String fileName) {
        Api.Answer a = suite.oms().upload(tenant, fileName, "text/csv", file.content());
        assertEquals(202, a.status(), () -> "upload: " + a);
        return a.text("upload_id");
    }

    /** Waits for the job to finish, checks its counters and remembers its orders as accepted; answers the job. */
    public JsonNode awaitUpload(String uploadId, CsvFile file, Duration within) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(within).pollInterval(Duration.ofSeconds(1)).until(() -> {
            job[0] = suite.oms().get(tenant, "/orders/uploads/" + uploadId).json();
            String s = job[0].path("status").asText();
            return s.equals("completed") || s.equals("failed");
        });
        assertEquals("completed", job[0].path("status").asText(), () -> "upload " + uploadId + ": " + job[0]);
        assertEquals(file.validLines().size(), job[0].path("rows_valid").asLong(), "rows_valid of " + uploadId);
        assertEquals(file.invalidRows().size(), job[0].path("rows_invalid").asLong(), "rows_invalid of " + uploadId);
        file.validLines().forEach(line -> accepted.add(uploadId + "-" + line));
        return job[0];
    }
}
