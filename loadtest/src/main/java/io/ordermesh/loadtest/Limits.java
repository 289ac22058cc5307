package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.Document;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The raw rates of the infrastructure under the suite, on this machine, with the suite's own
 * shapes and settings but none of its logic: what a figure of the suite is divided by. The same
 * ideas as the modules' benchmarks (csv-processor's raw insert and produce, ims-api's allocation
 * SQL over JDBC, webhook-dispatcher's bare client), measured against scratch data the tool drops.
 */
final class Limits {

    static final String FILE = "limits.json";
    static final String MONGO = "mongo_bulk_insert_docs_per_s";
    static final String KAFKA = "kafka_produce_records_per_s";
    static final String POSTGRES = "postgres_allocation_orders_per_s";
    static final String HTTP = "http_post_per_s";

    private Limits() {
    }

    /** Operations {@code [from, from + n)} of one measurement. */
    @FunctionalInterface
    interface Operations {
        void run(long from, long n) throws Exception;
    }

    /**
     * The rate of {@code n} operations after a fifth as many untimed: a short measurement from a
     * cold start times JIT compilation, connection set-up and the store's first pages (on one
     * stack MongoDB read 10,658 docs/s over 20,000 from a cold start, 48,030 timed this way).
     */
    static double steadyRate(long n, Operations operations) throws Exception {
        long warmup = n / 5;
        operations.run(0, warmup);
        long t0 = System.nanoTime();
        operations.run(warmup, n);
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    /** Runs {@code work} on {@code workers} threads of {@code pool} at once and waits for them all (a failure is thrown). */
    private static void onWorkers(ExecutorService pool, int workers, Callable<Void> work) throws Exception {
        List<Future<Void>> running = new ArrayList<>();
        for (int k = 0; k < workers; k++) {
            running.add(pool.submit(work));
        }
        for (Future<Void> f : running) {
            f.get();
        }
    }

    /** The limits a previous {@code limits} run wrote to the report directory, if any. */
    static JsonNode read(Path reportDir) {
        Path f = reportDir.resolve(FILE);
        try {
            return Files.exists(f) ? Http.JSON.readTree(f.toFile()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    static Double value(JsonNode limits, String key) {
        return limits != null && limits.hasNonNull(key) ? limits.get(key).asDouble() : null;
    }

    /** Unordered insertMany of 1,000 order documents at a time, the shape csv-processor writes (with one pending event). */
    static double mongoBulkInsert(String mongoUrl, String database, int docs) throws Exception {
        try (MongoClient client = MongoClients.create(mongoUrl)) {
            MongoCollection<Document> c = client.getDatabase(database).getCollection("loadtest_limit_" + UUID.randomUUID().toString().substring(0, 8));
            UUID tenant = UUID.randomUUID();
            UUID ref = UUID.randomUUID();
            Instant now = Instant.now();
            try {
                return steadyRate(docs, (from, n) -> {
                    List<Document> batch = new ArrayList<>(1000);
                    for (long i = from; i < from + n; i++) {
                        Order o = new Order("limit-" + i, tenant, ref, ref, List.of(new Order.Item(ref, 1, BigDecimal.ONE)), BigDecimal.ONE,
                                OrderStatus.on_hold, null, null, Order.Source.csv("limit", i), now, now);
                        batch.add(OrderDocuments.toDocument(o, List.of(new PendingEvent(UUID.randomUUID().toString(), "order.created",
                                o.orderId(), "x".repeat(700), now))));
                        if (batch.size() == 1000 || i == from + n - 1) {
                            c.insertMany(batch, new InsertManyOptions().ordered(false));
                            batch.clear();
                        }
                    }
                });
            } finally {
                c.drop();
            }
        }
    }

    /** Records of an order.created's size with the outbox's producer settings (idempotent, acks=all), to a scratch topic. */
    static double kafkaProduce(String bootstrap, int records) throws Exception {
        String topic = "loadtest.limit." + UUID.randomUUID().toString().substring(0, 8);
        String value = "x".repeat(900);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Outbox.producerProperties(bootstrap, "loadtest-limits"))) {
            AtomicReference<Exception> failed = new AtomicReference<>();
            return steadyRate(records, (from, n) -> {
                for (long i = from; i < from + n; i++) {
                    p.send(new ProducerRecord<>(topic, "k" + i, value), (meta, e) -> {
                        if (e != null) {
                            failed.compareAndSet(null, e);
                        }
                    });
                }
                p.flush();
                if (failed.get() != null) {
                    throw failed.get(); // a rate of failed sends would be no limit
                }
            });
        } finally {
            Properties admin = new Properties();
            admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            try (Admin a = Admin.create(admin)) {
                a.deleteTopics(List.of(topic)).all().get();
            } catch (Exception e) {
                // a scratch topic left behind is harmless
            }
        }
    }

    /**
     * ims-api's allocation transaction over plain JDBC, in a scratch schema: per batch of 500
     * orders of 1-3 items over 200 SKUs, claim the order ids ({@code INSERT … ON CONFLICT DO
     * NOTHING}), lock the levels in key order ({@code FOR UPDATE}), apply the guarded decrements and
     * write one audit row per item; 4 clients.
     */
    static double postgresAllocation(String jdbcUrl, String user, String password, int orders) throws Exception {
        String schema = "loadtest_limit_" + UUID.randomUUID().toString().substring(0, 8);
        int skus = 200;
        int batchSize = 500;
        int clients = 4;
        UUID tenant = UUID.randomUUID();
        UUID hub = UUID.randomUUID();
        List<UUID> skuIds = new ArrayList<>();
        for (int i = 0; i < skus; i++) {
            skuIds.add(UUID.randomUUID());
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".inventory (tenant_id uuid, hub_id uuid, sku_id uuid, quantity_on_hand bigint NOT NULL "
                    + "CHECK (quantity_on_hand >= 0), updated_at timestamptz NOT NULL, PRIMARY KEY (tenant_id, hub_id, sku_id))");
            s.execute("CREATE TABLE " + schema + ".inventory_transactions (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, hub_id uuid NOT NULL, "
                    + "sku_id uuid NOT NULL, delta bigint NOT NULL, quantity_after bigint NOT NULL, reason text NOT NULL, reference text, "
                    + "created_at timestamptz NOT NULL)");
            s.execute("CREATE TABLE " + schema + ".allocations (tenant_id uuid, order_id text, hub_id uuid, status text NOT NULL, "
                    + "items jsonb NOT NULL, allocated_at timestamptz, PRIMARY KEY (tenant_id, order_id))");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".inventory VALUES (?, ?, ?, 100000000, now())")) {
                for (UUID sku : skuIds) {
                    ps.setObject(1, tenant);
                    ps.setObject(2, hub);
                    ps.setObject(3, sku);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            return steadyRate(orders, (from, n) -> {
                AtomicLong next = new AtomicLong(from);
                onWorkers(pool, clients, () -> {
                    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
                        c.setAutoCommit(false);
                        for (long first = next.getAndAdd(batchSize); first < from + n; first = next.getAndAdd(batchSize)) {
                            allocateBatch(c, schema, tenant, hub, skuIds, first, (int) Math.min(batchSize, from + n - first));
                            c.commit();
                        }
                    }
                    return null;
                });
            });
        } finally {
            pool.shutdownNow();
            try (Connection c = DriverManager.getConnection(jdbcUrl, user, password); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    private static void allocateBatch(Connection c, String schema, UUID tenant, UUID hub, List<UUID> skus, long from, int n) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String[] ids = new String[n];
        UUID[] hubs = new UUID[n];
        String[] items = new String[n];
        java.util.TreeMap<UUID, Long> deltas = new java.util.TreeMap<>();
        List<Object[]> audit = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids[i] = "limit-" + (from + i);
            hubs[i] = hub;
            items[i] = "[]";
            int lines = 1 + r.nextInt(3);
            for (int k = 0; k < lines; k++) {
                UUID sku = skus.get(r.nextInt(skus.size()));
                long q = 1 + r.nextInt(3);
                deltas.merge(sku, -q, Long::sum);
                audit.add(new Object[] {sku, -q, ids[i]});
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".allocations (tenant_id, order_id, hub_id, status, items, allocated_at) "
                + "SELECT ?, o, h, 'allocated', i::jsonb, now() FROM unnest(?::text[], ?::uuid[], ?::text[]) AS x(o, h, i) "
                + "ORDER BY o ON CONFLICT (tenant_id, order_id) DO NOTHING RETURNING order_id")) {
            ps.setObject(1, tenant);
            ps.setArray(2, c.createArrayOf("text", ids));
            ps.setArray(3, c.createArrayOf("uuid", hubs));
            ps.setArray(4, c.createArrayOf("text", items));
            ps.executeQuery().close();
        }
        UUID[] lockHubs = new UUID[deltas.size()];
        UUID[] lockSkus = deltas.keySet().toArray(UUID[]::new);
        java.util.Arrays.fill(lockHubs, hub);
        try (PreparedStatement ps = c.prepareStatement("SELECT i.sku_id, i.quantity_on_hand FROM " + schema + ".inventory i "
                + "JOIN unnest(?::uuid[], ?::uuid[]) AS l(h, s) ON i.hub_id = l.h AND i.sku_id = l.s WHERE i.tenant_id = ? "
                + "ORDER BY i.hub_id, i.sku_id FOR UPDATE OF i")) {
            Array h = c.createArrayOf("uuid", lockHubs);
            ps.setArray(1, h);
            ps.setArray(2, c.createArrayOf("uuid", lockSkus));
            ps.setObject(3, tenant);
            ps.executeQuery().close();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + schema + ".inventory SET quantity_on_hand = quantity_on_hand + ?, "
                + "updated_at = now() WHERE tenant_id = ? AND hub_id = ? AND sku_id = ? AND quantity_on_hand + ? >= 0")) {
            for (Map.Entry<UUID, Long> e : deltas.entrySet()) {
                ps.setLong(1, e.getValue());
                ps.setObject(2, tenant);
                ps.setObject(3, hub);
                ps.setObject(4, e.getKey());
                ps.setLong(5, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        int m = audit.size();
        UUID[] h = new UUID[m];
        UUID[] s = new UUID[m];
        Long[] d = new Long[m];
        Long[] q = new Long[m];
        String[] reason = new String[m];
        String[] ref = new String[m];
        for (int i = 0; i < m; i++) {
            Object[] a = audit.get(i);
            h[i] = hub;
            s[i] = (UUID) a[0];
            d[i] = (Long) a[1];
            q[i] = 0L;
            reason[i] = "allocation";
            ref[i] = (String) a[2];
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schema + ".inventory_transactions (tenant_id, hub_id, sku_id, delta, "
                + "quantity_after, reason, reference, created_at) SELECT ?, h, s, d, q, r, ref, now() FROM "
                + "unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::bigint[], ?::text[], ?::text[]) AS x(h, s, d, q, r, ref)")) {
            ps.setObject(1, tenant);
            ps.setArray(2, c.createArrayOf("uuid", h));
            ps.setArray(3, c.createArrayOf("uuid", s));
            ps.setArray(4, c.createArrayOf("bigint", d));
            ps.setArray(5, c.createArrayOf("bigint", q));
            ps.setArray(6, c.createArrayOf("text", reason));
            ps.setArray(7, c.createArrayOf("text", ref));
            ps.executeUpdate();
        }
    }

    /** POSTs of a webhook-sized body (about 1.2 KB) to a receiver on 127.0.0.1 with the JDK client, {@code concurrency} in flight. */
    static double httpPost(int posts, int concurrency) throws Exception {
        String body = "{\"type\":\"order.updated\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"x\":\"" + "y".repeat(1100) + "\"}}";
        try (WebhookReceiver receiver = new WebhookReceiver(0)) {
            Http http = new Http();
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            try {
                return steadyRate(posts, (from, n) -> {
                    AtomicLong next = new AtomicLong(from);
                    onWorkers(pool, concurrency, () -> {
                        for (long i = next.getAndIncrement(); i < from + n; i = next.getAndIncrement()) {
                            HttpRequest post = HttpRequest.newBuilder(URI.create(receiver.url())).header("Content-Type", "application/json")
                                    .header("webhook-id", "msg_" + i).POST(HttpRequest.BodyPublishers.ofString(body)).build();
                            try {
                                http.send(post).expect(204);
                            } catch (UncheckedIOException e) {
                                // The JDK client may pick a pooled connection the receiver is just closing
                                // ("connection closed locally") and does not resend a POST itself: once more.
                                http.send(post).expect(204);
                            }
                        }
                        return null;
                    });
                });
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
