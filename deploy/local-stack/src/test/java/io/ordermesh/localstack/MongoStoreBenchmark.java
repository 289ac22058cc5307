package io.ordermesh.localstack;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import de.bwaldvogel.mongo.MongoServer;
import org.bson.Document;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the embedded server's store costs for the suite's order traffic: csv-processor's inserts and
 * outbox acknowledgements, then order-finalizer's read, compare-and-set and acknowledgement, in
 * batches of 500 and in the order they arrive, on an H2 file with the launcher's page cache.
 * Prints documents/s, CPU and garbage-collection seconds per phase and what went to and from the
 * file. The server runs in this JVM, so its collector and heap are the test JVM's: pass the
 * launcher's ({@code Component.MONGO}) to compare, e.g. at a million orders
 * {@code ./mvnw -B -o verify -pl deploy/local-stack -Dtest=MongoStoreBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs -Dbench.orders=1000000 "-DargLine=-Xms64m -Xmx3g -XX:+UseParallelGC -Dio.netty.buffer.checkAccessible=false -Dio.netty.buffer.checkBounds=false"}
 * ({@code -Dbench.cacheMb} changes the page cache).
 */
class MongoStoreBenchmark {

    private static final int BATCH = 500;

    @TempDir
    Path dir;

    @Test
    void orderTraffic() {
        run(Integer.getInteger("bench.orders", 200_000));
    }

    private void run(int orders) {
        MVStore store = new MVStore.Builder().fileName(dir.resolve("oms.mv").toString())
                .cacheSize(Integer.getInteger("bench.cacheMb", JvmServers.MONGO_PAGE_CACHE_MB)).open();
        MongoServer server = new MongoServer(TunedH2Backend.open(store));
        try {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())) {
                MongoCollection<Document> c = client.getDatabase("oms").getCollection("orders");
                c.createIndex(Indexes.ascending("tenant_id", "order_id"), new IndexOptions().unique(true).name("tenant_order_unique"));
                c.createIndex(Indexes.ascending("_id", "status"), new IndexOptions().unique(true).name("id_status"));
                String tenant = UUID.randomUUID().toString();
                String upload = UUID.randomUUID().toString();
                IntFunction<String> orderId = i -> i % 2 == 0 ? "P" + i : upload + "-" + (i + 2);
                long writtenBefore = written();
                System.out.printf("%n%,d orders, %s%n", orders, ManagementFactory.getRuntimeMXBean().getInputArguments());
                phase("insert (csv-processor)", orders, from -> {
                    List<Document> docs = new ArrayList<>();
                    for (int i = from; i < Math.min(orders, from + BATCH); i++) {
                        docs.add(order(tenant, orderId.apply(i), i));
                    }
                    c.insertMany(docs, new InsertManyOptions().ordered(false));
                });
                phase("ack order.created", orders, from -> c.bulkWrite(batch(from, orders, i ->
                        new UpdateOneModel<>(Filters.eq("_id", tenant + "/" + orderId.apply(i)),
                                Updates.pull("pending_events", new Document("event_id", "created-" + i)))), new BulkWriteOptions().ordered(false)));
                phase("read + compare-and-set (order-finalizer)", orders, from -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = from; i < Math.min(orders, from + BATCH); i++) {
                        ids.add(tenant + "/" + orderId.apply(i));
                    }
                    assertEquals(ids.size(), c.find(Filters.in("_id", ids)).into(new ArrayList<>()).size());
                    int matched = c.bulkWrite(batch(from, orders, i -> new UpdateOneModel<>(
                            new Document("_id", tenant + "/" + orderId.apply(i)).append("status", "on_hold"),
                            Updates.combine(Updates.set("status", "new_order"), Updates.set("updated_at", new Date()),
                                    Updates.push("pending_events", event("updated-" + i))))), new BulkWriteOptions().ordered(false)).getMatchedCount();
                    assertEquals(ids.size(), matched);
                });
                phase("ack order.updated", orders, from -> c.bulkWrite(batch(from, orders, i ->
                        new UpdateOneModel<>(Filters.eq("_id", tenant + "/" + orderId.apply(i)),
                                Updates.pull("pending_events", new Document("event_id", "updated-" + i)))), new BulkWriteOptions().ordered(false)));
                // A count by status would scan (and hold) every document on this server: a sample instead.
                for (int i = 0; i < orders; i += 997) {
                    assertEquals("new_order", c.find(Filters.eq("_id", tenant + "/" + orderId.apply(i))).first().getString("status"));
                }
                System.out.printf("  written %,d MB, read %,d MB; file %,d MB%n", (written() - writtenBefore) >> 20,
                        store.getFileStore().getReadBytes() >> 20, store.getFileStore().size() >> 20);
            }
        } finally {
            server.shutdown();
            store.close();
        }
    }

    /** Bytes this process has handed to write calls (Linux): H2's, and the few lines this benchmark prints. */
    private static long written() {
        try {
            return Files.readAllLines(Path.of("/proc/self/io")).stream().filter(l -> l.startsWith("wchar:"))
                    .mapToLong(l -> Long.parseLong(l.substring(6).trim())).findFirst().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    private interface Batch {
        void run(int from);
    }

    private static void phase(String name, int orders, Batch batch) {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu = os.getProcessCpuTime();
        long gc = gcMillis();
        long start = System.nanoTime();
        for (int from = 0; from < orders; from += BATCH) {
            batch.run(from);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("  %-42s %,8.0f docs/s  %6.1f s  %6.1f CPU-s  %6.1f GC-s%n", name, orders / seconds, seconds,
                (os.getProcessCpuTime() - cpu) / 1e9, (gcMillis() - gc) / 1e3);
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    private static List<WriteModel<Document>> batch(int from, int orders, IntFunction<WriteModel<Document>> model) {
        List<WriteModel<Document>> models = new ArrayList<>();
        for (int i = from; i < Math.min(orders, from + BATCH); i++) {
            models.add(model.apply(i));
        }
        return models;
    }

    /** About the size and shape of the order documents csv-processor writes. */
    private static Document order(String tenant, String orderId, int i) {
        List<Document> items = List.of(new Document("sku_id", UUID.randomUUID().toString()).append("quantity", 2).append("price", "19.99"),
                new Document("sku_id", UUID.randomUUID().toString()).append("quantity", 1).append("price", "5.00"));
        return new Document("_id", tenant + "/" + orderId).append("tenant_id", tenant).append("order_id", orderId)
                .append("seller_id", UUID.randomUUID().toString()).append("hub_id", UUID.randomUUID().toString()).append("items", items)
                .append("total", "44.98").append("status", "on_hold").append("source", "csv").append("created_at", new Date())
                .append("updated_at", new Date()).append("pending_events", List.of(event("created-" + i)));
    }

    private static Document event(String id) {
        return new Document("event_id", id).append("topic", "order.created").append("key", id)
                .append("payload", "{\"order\":\"" + id + "\",\"items\":[" + "{\"sku_id\":\"00000000-0000-0000-0000-000000000000\"},".repeat(6)
                        + "{}],\"status\":\"on_hold\"}").append("created_at", new Date());
    }
}
