package io.ordermesh.localstack;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.bson.Document;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The embedded MongoDB-compatible server with hash-ordered unique indexes, on a real H2 file. */
class HashOrderedH2BackendTest {

    private static final int DOCS = 5_000;

    @TempDir
    Path dir;

    @Test
    void compoundUniqueIndexFindsRejectsAndComparesAndSetsAcrossARestart() {
        Path file = dir.resolve("oms.mv");
        withServer(file, HashOrderedH2Backend::open, backend -> assertSame(HashOrderedH2Backend.class, backend.getClass()), orders -> {
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
        withServer(file, HashOrderedH2Backend::open, backend -> assertSame(HashOrderedH2Backend.class, backend.getClass()), orders -> {
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
    void aStoreWrittenWithTheStockKeyOrderIsReadWithIt() {
        Path file = dir.resolve("old.mv");
        withServer(file, H2Backend::new, backend -> { }, orders -> {
            for (int i = 0; i < 500; i++) {
                orders.insertOne(new Document("_id", "o" + i).append("n", i));
            }
        });
        withServer(file, HashOrderedH2Backend::open, backend -> assertSame(H2Backend.class, backend.getClass()), orders -> {
            for (int i = 0; i < 500; i += 7) {
                assertEquals(i, orders.find(new Document("_id", "o" + i)).first().getInteger("n"));
            }
            assertThrows(MongoWriteException.class, () -> orders.insertOne(new Document("_id", "o3")));
        });
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
