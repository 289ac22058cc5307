package io.ordermesh.localstack;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.bson.Document;
import org.bson.types.Binary;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded MongoDB-compatible server with its tuned backend ({@link TunedH2Backend}), on a real H2 file. */
class TunedH2BackendTest {

    private static final int DOCS = 5_000;

    @TempDir
    Path dir;

    @Test
    void compoundUniqueIndexFindsRejectsAndComparesAndSetsAcrossARestart() {
        Path file = dir.resolve("oms.mv");
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < DOCS; i++) {
                docs.add(new Document("_id", "o" + i).append("version", i % 7).append("n", i));
            }
            orders.insertMany(docs);
            orders.createIndex(Indexes.ascending("_id", "version"), new IndexOptions().name("id_version").unique(true));

            assertEquals(1, orders.updateOne(new Document("_id", "o42").append("version", 0), Updates.inc("version", 1)).getModifiedCount());
            assertEquals(0, orders.updateOne(new Document("_id", "o42").append("version", 0), Updates.inc("version", 1)).getModifiedCount(),
                    "a compare-and-set on a version that moved on changes nothing");
            MongoWriteException duplicate = assertThrows(MongoWriteException.class, () -> orders.insertOne(new Document("_id", "o7")));
            assertEquals(ErrorCategory.DUPLICATE_KEY, duplicate.getError().getCategory());
        });
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            assertEquals(DOCS, orders.countDocuments());
            assertEquals(42, orders.find(new Document("_id", "o42").append("version", 1)).first().getInteger("n"));
            assertNull(orders.find(new Document("_id", "o42").append("version", 0)).first());
            for (int i = 0; i < DOCS; i += 97) {
                assertNotNull(orders.find(new Document("_id", "o" + i).append("version", i % 7)).first(), "o" + i + " by {_id, version}");
                assertEquals(i, orders.find(new Document("_id", "o" + i)).first().getInteger("n"));
            }
            assertThrows(MongoWriteException.class, () -> orders.insertOne(new Document("_id", "o4999")));
        });
    }

    @Test
    void aUniqueIndexWithIdKeepsNoEntriesAndItsFiltersStillFindCompareAndSetAndRejectAcrossARestart() {
        Path file = dir.resolve("implied.mv");
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < DOCS; i++) {
                docs.add(new Document("_id", "o" + i).append("status", "on_hold").append("tenant", "t").append("ref", "r" + i));
            }
            orders.insertMany(docs);
            orders.createIndex(Indexes.ascending("_id", "status"), new IndexOptions().name("id_status").unique(true));
            orders.createIndex(Indexes.ascending("tenant", "ref"), new IndexOptions().name("tenant_ref").unique(true));

            assertEquals(1, orders.updateOne(new Document("_id", "o42").append("status", "on_hold"), Updates.set("status", "new_order"))
                    .getModifiedCount());
            assertEquals(0, orders.updateOne(new Document("_id", "o42").append("status", "on_hold"), Updates.set("status", "cancelled"))
                    .getMatchedCount(), "a compare-and-set on a status that moved on matches nothing");
            assertEquals(0, orders.updateOne(new Document("_id", "missing").append("status", "on_hold"), Updates.set("status", "x"))
                    .getMatchedCount());
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "o7").append("status", "other"))).getError().getCategory());
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "p7").append("tenant", "t").append("ref", "r7"))).getError().getCategory(),
                    "a unique index without _id still keeps and checks its entries");

            // Updates that change an indexed field still move its entry (and are refused onto a taken key).
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.updateOne(new Document("_id", "o1"), Updates.set("ref", "r2"))).getError().getCategory());
            orders.updateOne(new Document("_id", "o1"), Updates.set("ref", "r1-moved"));
            orders.updateOne(new Document("_id", "o3"), Updates.unset("ref"));
            assertEquals("o1", orders.find(new Document("tenant", "t").append("ref", "r1-moved")).first().getString("_id"));
            orders.insertOne(new Document("_id", "p1").append("tenant", "t").append("ref", "r1"));
            orders.insertOne(new Document("_id", "p3").append("tenant", "t").append("ref", "r3"));
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "p4").append("tenant", "t"))).getError().getCategory(),
                    "o3's missing ref is its key now");
        });
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            // Created again by a restarted service, with the same options: accepted, still reported unique.
            orders.createIndex(Indexes.ascending("_id", "status"), new IndexOptions().name("id_status").unique(true));
            Document described = orders.listIndexes().into(new ArrayList<>()).stream()
                    .filter(i -> "id_status".equals(i.getString("name"))).findFirst().orElseThrow();
            assertEquals(Boolean.TRUE, described.getBoolean("unique"));
            assertEquals("new_order", orders.find(new Document("_id", "o42").append("status", "new_order")).first().getString("status"));
            assertNull(orders.find(new Document("_id", "o42").append("status", "on_hold")).first());
            for (int i = 0; i < DOCS; i += 97) {
                String status = i == 42 ? "new_order" : "on_hold";
                String ref = i == 1 ? "r1-moved" : i == 3 ? null : "r" + i;
                assertEquals(ref, orders.find(new Document("_id", "o" + i).append("status", status)).first().getString("ref"));
                assertEquals(1, orders.countDocuments(new Document("_id", "o" + i).append("tenant", "t")));
            }
            assertEquals(1, orders.updateOne(new Document("_id", "o43").append("status", "on_hold"), Updates.set("status", "new_order"))
                    .getModifiedCount());

            // {_id: {$in: [...]}}: each existing document once, sorted and projected as asked.
            List<Document> found = orders.find(new Document("_id", new Document("$in", List.of("o5", "missing", "o5", "o9", "o42"))))
                    .projection(Projections.include("ref")).sort(Sorts.descending("_id")).into(new ArrayList<>());
            assertEquals(List.of("o9", "o5", "o42"), found.stream().map(d -> d.getString("_id")).toList());
            assertEquals(List.of("_id", "ref"), List.copyOf(found.get(0).keySet()));
            assertEquals(2, orders.countDocuments(new Document("_id", new Document("$in", List.of("o1", "o2", "nope")))));
            assertEquals(0, orders.countDocuments(new Document("_id", new Document("$in", List.of()))));
        });
        // Read back from the file after updates in place: all as last stored.
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            assertEquals("new_order", orders.find(new Document("_id", "o43")).first().getString("status"));
            assertEquals("r1-moved", orders.find(new Document("_id", "o1")).first().getString("ref"));
            assertEquals(DOCS + 2, orders.countDocuments());
            assertEquals(DOCS - 2, orders.countDocuments(new Document("status", "on_hold")));
        });
        inStore(file, store -> {
            assertTrue(store.getMapNames().contains("oms.orders._index_tenant_ref"), store.getMapNames().toString());
            assertTrue(!store.hasMap("oms.orders._index_id_status") || store.openMap("oms.orders._index_id_status", indexMap(true)).isEmpty(),
                    "no entries for the index the primary key implies");
        });
    }

    @Test
    void indexKeysOfAFreshStoreAreStoredInTheOrderOfTheirStrings() {
        Path file = dir.resolve("strings.mv");
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            orders.createIndex(Indexes.ascending("tenant", "ref"), new IndexOptions().name("tenant_ref").unique(true));
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < DOCS; i++) {
                docs.add(new Document("_id", "t/o" + i).append("tenant", "t").append("ref", "r" + i));
            }
            orders.insertMany(docs);
        });
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            for (int i = 0; i < DOCS; i += 97) {
                assertEquals("t/o" + i, orders.find(new Document("tenant", "t").append("ref", "r" + i)).first().getString("_id"));
                assertEquals("r" + i, orders.find(new Document("_id", "t/o" + i)).first().getString("ref"));
            }
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "t/o9"))).getError().getCategory());
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "x").append("tenant", "t").append("ref", "r9"))).getError().getCategory());
        });
        inStore(file, store -> {
            assertEquals(TunedH2Backend.STRINGS_ORDER, store.<String, String>openMap(TunedH2Backend.MARKER_MAP).get(TunedH2Backend.ORDER));
            List<String> refs = new ArrayList<>();
            store.openMap("oms.orders._index_tenant_ref", indexMap(true)).keyIterator(null).forEachRemaining(k -> refs.add((String) k.get(1)));
            List<String> ids = new ArrayList<>();
            store.openMap("oms.orders._index__id_", indexMap(true)).keyIterator(null).forEachRemaining(k -> ids.add((String) k.get(0)));
            assertEquals(DOCS, refs.size());
            assertEquals(refs.stream().sorted().toList(), refs);
            assertEquals(DOCS, ids.size());
            assertEquals(ids.stream().sorted().toList(), ids);
        });
    }

    @Test
    void indexKeyOrdersAreTotalAndZeroOnlyForEqualKeys() {
        ObjectId objectId = new ObjectId();
        List<KeyValue> keys = List.of(new KeyValue("a"), new KeyValue("b"), new KeyValue("ab"), new KeyValue(""), new KeyValue("a"),
                new KeyValue(1), new KeyValue(1L), new KeyValue(1.0), new KeyValue(2), new KeyValue((Object) null),
                new KeyValue(Missing.getInstance()), new KeyValue(new de.bwaldvogel.mongo.bson.ObjectId(objectId.toByteArray())),
                new KeyValue("t", "r1"), new KeyValue("t", "r2"), new KeyValue("t", "r1"), new KeyValue("t", 5), new KeyValue("t", 6),
                new KeyValue("t", Missing.getInstance()), new KeyValue(5, "t"), new KeyValue(5, "u"), new KeyValue("u", "r1"));
        for (boolean stringsInOrder : new boolean[] {true, false}) {
            TunedH2Backend.BsonKeyType type = new TunedH2Backend.BsonKeyType(stringsInOrder);
            for (KeyValue a : keys) {
                for (KeyValue b : keys) {
                    int ab = Integer.signum(type.compare(a, b));
                    assertEquals(-ab, Integer.signum(type.compare(b, a)), a + " vs " + b);
                    assertEquals(a.equals(b), ab == 0, a + " vs " + b);
                    for (KeyValue c : keys) {
                        if (ab <= 0 && type.compare(b, c) <= 0) {
                            assertTrue(type.compare(a, c) <= 0, a + " <= " + b + " <= " + c);
                        }
                    }
                }
            }
        }
        TunedH2Backend.BsonKeyType strings = new TunedH2Backend.BsonKeyType(true);
        assertTrue(strings.compare(new KeyValue("t", "r1"), new KeyValue("t", "r2")) < 0);
        assertTrue(strings.compare(new KeyValue("a"), new KeyValue("ab")) < 0);
        assertTrue(strings.compare(new KeyValue("t", 5), new KeyValue("t", "r1")) < 0, "strings that end sooner first");
    }

    @Test
    void aStoreMarkedBeforeImpliedIndexesWereLeftEmptyKeepsTheirEntries() {
        Path file = dir.resolve("bson-only.mv");
        MVStore marked = new MVStore.Builder().fileName(file.toString()).open();
        MVMap<String, String> marker = marked.openMap(TunedH2Backend.MARKER_MAP);
        marker.put(TunedH2Backend.ORDER, TunedH2Backend.HASH_ORDER);
        marker.put("encoding", "bson");
        marked.close();
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            for (int i = 0; i < 300; i++) {
                orders.insertOne(new Document("_id", "o" + i).append("status", "on_hold"));
            }
            orders.createIndex(Indexes.ascending("_id", "status"), new IndexOptions().name("id_status").unique(true));
            assertEquals(1, orders.updateOne(new Document("_id", "o1").append("status", "on_hold"), Updates.set("status", "new_order"))
                    .getModifiedCount());
        });
        withServer(file, TunedH2Backend::open, backend -> { }, orders -> {
            // Its indexes are searched in the order they were written in (hash first).
            for (int i = 0; i < 300; i += 7) {
                assertEquals("o" + i, orders.find(new Document("_id", "o" + i)).first().getString("_id"));
            }
            assertEquals(ErrorCategory.DUPLICATE_KEY, assertThrows(MongoWriteException.class,
                    () -> orders.insertOne(new Document("_id", "o5"))).getError().getCategory());
        });
        inStore(file, store -> {
            assertEquals(300, store.openMap("oms.orders._index_id_status", indexMap(false)).size(), "a store from before keeps its index whole");
        });
    }

    @Test
    void aStoreWrittenWithTheStockKeyOrderIsReadWithIt() {
        Path file = dir.resolve("old.mv");
        withServer(file, H2Backend::new, backend -> { }, orders -> {
            for (int i = 0; i < 500; i++) {
                orders.insertOne(new Document("_id", "o" + i).append("n", i));
            }
        });
        withServer(file, TunedH2Backend::open, backend -> assertSame(H2Backend.class, backend.getClass()), orders -> {
            for (int i = 0; i < 500; i += 7) {
                assertEquals(i, orders.find(new Document("_id", "o" + i)).first().getInteger("n"));
            }
            assertThrows(MongoWriteException.class, () -> orders.insertOne(new Document("_id", "o3")));
        });
    }

    @Test
    void documentsOfEveryValueTypeSurviveUpdatesAndARestartStoredAsBson() {
        Path file = dir.resolve("bson.mv");
        Document expected = new Document("_id", "a").append("int", 7).append("long", 1L << 40).append("double", 2.5)
                .append("flag", true).append("nothing", null).append("at", new Date(1_700_000_000_123L))
                .append("oid", new ObjectId("65f0a1b2c3d4e5f6a7b8c9d0")).append("bin", new Binary(new byte[] {1, 2, 3}))
                .append("dec", Decimal128.parse("12.34")).append("nested", new Document("k", List.of(1, "two", new Document("x", 3))))
                .append("big", "x".repeat(200_000)).append("items", List.of(new Document("sku", "S1").append("qty", 2)));
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            orders.insertOne(new Document(expected).append("items", List.of()));
            orders.updateOne(new Document("_id", "a"), Updates.push("items", new Document("sku", "S1").append("qty", 2)));
            orders.createIndex(Indexes.ascending("ref"), new IndexOptions().name("ref").unique(true));
            for (int i = 0; i < 1_000; i++) {
                // Index keys of every kind: a string, an ObjectId, a number, and (for "a") a missing field.
                Object ref = i % 3 == 0 ? "r" + i : i % 3 == 1 ? new ObjectId(new Date(1_700_000_000_000L + i * 1000L), i) : (Object) (long) i;
                orders.insertOne(new Document("_id", "o" + i).append("n", i).append("ref", ref));
            }
        });
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            assertEquals(expected, orders.find(new Document("_id", "a")).first());
            assertEquals(1_001, orders.countDocuments());
            assertEquals(999, orders.find(new Document("_id", "o999")).first().getInteger("n"));
            for (int i : new int[] {3, 4, 5}) {
                Object ref = orders.find(new Document("_id", "o" + i)).first().get("ref");
                MongoWriteException taken = assertThrows(MongoWriteException.class,
                        () -> orders.insertOne(new Document("_id", "dup" + i).append("ref", ref)), "ref " + ref + " is taken");
                assertEquals(ErrorCategory.DUPLICATE_KEY, taken.getError().getCategory());
            }
            assertThrows(MongoWriteException.class, () -> orders.insertOne(new Document("_id", "no-ref")),
                    "a missing ref is a key too, and \"a\" holds it");
            orders.insertOne(new Document("_id", "new").append("ref", "r-new"));
        });
        inStore(file, store -> {
            var raw = store.openMap("databases.oms.orders",
                    new MVMap.Builder<Object, de.bwaldvogel.mongo.bson.Document>().valueType(new TunedH2Backend.BsonDocumentType()));
            assertEquals(500, raw.get("o500").get("n"), "the pages hold BSON");
        });
    }

    @Test
    void documentsAreWrittenByteForByteAsTheServersOwnEncoderWritesThem() {
        var nested = new de.bwaldvogel.mongo.bson.Document("k", List.of(1, "two", new de.bwaldvogel.mongo.bson.Document("x", 3),
                List.of(List.of(), List.of(true, 4.5)))).append("ünïcode ключ", "värde");
        var document = new de.bwaldvogel.mongo.bson.Document("_id", "a").append("int", 7).append("long", 1L << 40)
                .append("nothing", null).append("at", java.time.Instant.ofEpochMilli(1_700_000_000_123L)).append("nested", nested)
                .append("items", List.of(new de.bwaldvogel.mongo.bson.Document("sku", "S1").append("qty", 2)))
                .append("empty", new de.bwaldvogel.mongo.bson.Document()).append("big", "x".repeat(10_000));
        ByteBuf expected = Unpooled.buffer();
        BsonEncoder.encodeDocument(document, expected);
        WriteBuffer written = new WriteBuffer();
        new TunedH2Backend.BsonDocumentType().write(written, document);
        ByteBuffer actual = written.getBuffer().flip();
        assertEquals(expected.nioBuffer(), actual);
        assertEquals(document, new TunedH2Backend.BsonDocumentType().read(actual));
    }

    @Test
    void aStoreMarkedWithTheHashOrderOnlyKeepsJavaSerialisedDocuments() {
        Path file = dir.resolve("hash-only.mv");
        MVStore marked = new MVStore.Builder().fileName(file.toString()).open();
        marked.<String, String>openMap(TunedH2Backend.MARKER_MAP).put(TunedH2Backend.ORDER, TunedH2Backend.HASH_ORDER);
        marked.close();
        withServer(file, TunedH2Backend::open, backend -> assertSame(TunedH2Backend.class, backend.getClass()), orders -> {
            for (int i = 0; i < 500; i++) {
                orders.insertOne(new Document("_id", "o" + i).append("n", i));
            }
        });
        withServer(file, TunedH2Backend::open, backend -> { }, orders ->
                assertEquals(42, orders.find(new Document("_id", "o42")).first().getInteger("n")));
        inStore(file, store -> {
            // H2's default value type: Java serialisation, as such a store was written.
            var raw = store.<Object, de.bwaldvogel.mongo.bson.Document>openMap("databases.oms.orders");
            assertEquals(42, raw.get("o42").get("n"));
        });
    }

    @Test
    void fullScansReadWholeWhileWritesRewriteAndFreeTheChunksTheyStartedOn() throws Exception {
        Path file = dir.resolve("scans.mv");
        // A page cache far smaller than the data, as at a million orders: a scan reads most pages from their chunks.
        MVStore store = new MVStore.Builder().fileName(file.toString()).cacheSize(1).open();
        // No retention and no versions kept beyond the current one: a chunk is freed as soon as no version
        // in use needs it. That is what the suite's two minutes come to for chunks older than that, and
        // H2's five kept versions for a scan of a million orders that outlasts many commits.
        store.setRetentionTime(0);
        store.setVersionsToKeep(0);
        MongoServer server = new MongoServer(TunedH2Backend.open(store));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger rounds = new AtomicInteger();
        AtomicReference<RuntimeException> writeFailure = new AtomicReference<>();
        try {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())) {
                MongoCollection<Document> orders = client.getDatabase("oms").getCollection("orders");
                List<Document> docs = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    docs.add(new Document("_id", "o" + i).append("status", "on_hold").append("n", 0).append("pad", "x".repeat(400)));
                }
                orders.insertMany(docs);
                // Writes touch every page again and again, each batch committed: old chunks empty out and are freed.
                Thread writer = new Thread(() -> {
                    int round = 0;
                    while (!stop.get() && writeFailure.get() == null) {
                        List<WriteModel<Document>> updates = new ArrayList<>();
                        // A few documents far apart per commit: many versions, each rewriting pages all over the map.
                        for (int i = round % 1000; i < 20_000; i += 1000) {
                            updates.add(new UpdateOneModel<>(new Document("_id", "o" + i), Updates.inc("n", 1)));
                        }
                        try {
                            orders.bulkWrite(updates);
                            store.commit();
                            // What the store's background housekeeping does when chunks fill poorly: move their
                            // live pages into new chunks, leaving the old ones unused (and then freed).
                            store.compact(100, 1 << 20);
                        } catch (RuntimeException e) {
                            writeFailure.set(e);
                        }
                        rounds.set(++round);
                    }
                }, "writer");
                writer.start();
                int scans = 0;
                try {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                    while (System.nanoTime() < end) {
                        // The count command (as the load test sends it) on a field without an index: a walk over every document.
                        Document counted = client.getDatabase("oms").runCommand(
                                new Document("count", "orders").append("query", new Document("status", "on_hold")));
                        assertEquals(20_000, ((Number) counted.get("n")).intValue());
                        scans++;
                    }
                } finally {
                    stop.set(true);
                    writer.join();
                }
                assertNull(writeFailure.get(), "the writes failed");
                assertTrue(scans > 3 && rounds.get() > 3 * scans, "too little overlap to prove anything: " + scans + " scans, "
                        + rounds.get() + " commits");
            }
        } finally {
            server.shutdown();
            store.close();
        }
    }

    private static MVMap.Builder<KeyValue, Object> indexMap(boolean stringsInOrder) {
        return new MVMap.Builder<KeyValue, Object>().keyType(new TunedH2Backend.BsonKeyType(stringsInOrder))
                .valueType(new TunedH2Backend.BsonValueType());
    }

    /** Opens the store file as it was left, for {@code look} to read its maps directly, and closes it. */
    private static void inStore(Path file, Consumer<MVStore> look) {
        MVStore store = new MVStore.Builder().fileName(file.toString()).open();
        try {
            look.accept(store);
        } finally {
            store.close();
        }
    }

    /** Opens the store file, serves it on a free loopback port, runs {@code work} on a collection, shuts down (committing). */
    private static void withServer(Path file, Function<MVStore, H2Backend> backendOf, Consumer<H2Backend> checkBackend,
                                   Consumer<MongoCollection<Document>> work) {
        MVStore store = new MVStore.Builder().fileName(file.toString()).open();
        H2Backend backend = backendOf.apply(store);
        checkBackend.accept(backend);
        MongoServer server = new MongoServer(backend);
        try {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress address = server.getLocalAddress();
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort())) {
                work.accept(client.getDatabase("oms").getCollection("orders"));
            }
        } finally {
            server.shutdown();
            store.close();
        }
    }
}
