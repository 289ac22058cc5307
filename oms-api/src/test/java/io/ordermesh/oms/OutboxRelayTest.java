package io.ordermesh.oms;

import com.mongodb.MongoClientSettings;
import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.testsupport.TestStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The relay's query reads the whole collection on the embedded server, so it must only run when an
 * event can have been left behind. Real MongoDB-compatible server and Kafka; queries counted with
 * the driver's command listener.
 */
class OutboxRelayTest {

    private static final Duration AFTER = Duration.ofMillis(300);
    private static final Duration NEVER = Duration.ofHours(1);

    private final AtomicInteger finds = new AtomicInteger();
    private final AtomicInteger updates = new AtomicInteger();
    private MongoClient mongo;
    private MongoCollection<Document> orders;
    private Outbox outbox;
    private String topic;

    @BeforeEach
    void setUp() {
        TestStack.ensureUp();
        mongo = MongoClients.create(MongoClientSettings.builder().applyConnectionString(new ConnectionString("mongodb://127.0.0.1:27017"))
                .addCommandListener(new FindCounter(finds, updates)).build());
        orders = mongo.getDatabase("oms_" + TestStack.RUN_ID).getCollection("relay_" + UUID.randomUUID().toString().substring(0, 8));
        topic = "relay.test." + TestStack.RUN_ID;
        outbox = new Outbox(new KafkaProducer<>(Outbox.producerProperties("127.0.0.1:9092", "relay-test")), 100);
    }

    @AfterEach
    void tearDown() {
        outbox.close();
        orders.drop();
        mongo.close();
    }

    /** Counts the queries and updates sent (a named class: Quarkus indexes test classes, anonymous ones confuse it). */
    @jakarta.enterprise.inject.Vetoed
    private static final class FindCounter implements CommandListener {
        private final AtomicInteger finds;
        private final AtomicInteger updates;

        FindCounter(AtomicInteger finds, AtomicInteger updates) {
            this.finds = finds;
            this.updates = updates;
        }

        @Override
        public void commandStarted(CommandStartedEvent e) {
            if ("find".equals(e.getCommandName())) {
                finds.incrementAndGet();
            } else if ("update".equals(e.getCommandName())) {
                updates.incrementAndGet();
            }
        }
    }

    private String orphan(String topicName) {
        String eventId = UUID.randomUUID().toString();
        Instant longAgo = Instant.now().minusSeconds(60);
        orders.insertOne(new Document("_id", "o-" + eventId).append("pending_events",
                List.of(new PendingEvent(eventId, topicName, "k", "{}", longAgo).toDocument())));
        return "o-" + eventId;
    }

    private boolean pending(String id) {
        Document d = orders.find(Filters.eq("_id", id)).first();
        return !d.getList("pending_events", Document.class).isEmpty();
    }

    /** Passes until one finds nothing of its own left (the first ones cover this process's start-up). */
    private void relayUntilClean() throws InterruptedException {
        Thread.sleep(AFTER.toMillis() + 50);
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(30));
    }

    @Test
    void aFreshProcessRepublishesWhatItsPredecessorLeftThenStopsQuerying() throws Exception {
        String left = orphan(topic);
        assertEquals(1, outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(30)), "start-up pass republishes the orphan");
        await().atMost(Duration.ofSeconds(10)).until(() -> !pending(left));
        relayUntilClean();

        int before = finds.get();
        for (int i = 0; i < 5; i++) {
            assertEquals(0, outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(30)));
        }
        assertEquals(before, finds.get(), "a clean relay must not query the collection");

        String later = orphan(topic);
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(30));
        assertTrue(pending(later), "another process's orphan waits for the sweep");
        assertEquals(1, outbox.relay(orders, AFTER, Duration.ZERO, 100, Duration.ofSeconds(30)), "the sweep finds it");
        await().atMost(Duration.ofSeconds(10)).until(() -> !pending(later));
    }

    @Test
    void aFailedSendMakesTheRelayLookAgain() throws Exception {
        relayUntilClean();
        relayUntilClean();
        int before = finds.get();
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(30));
        assertEquals(before, finds.get(), "clean: no query");

        // A topic name the broker refuses: the send fails for real and the event stays in its document.
        String id = "o-" + UUID.randomUUID();
        PendingEvent bad = new PendingEvent(UUID.randomUUID().toString(), "not a valid topic!", "k", "{}", Instant.now());
        orders.insertOne(new Document("_id", id).append("pending_events", List.of(bad.toDocument())));
        CompletableFuture<Void> sent = outbox.publish(orders, id, List.of(bad));
        await().atMost(Duration.ofSeconds(15)).until(sent::isDone);
        assertTrue(sent.isCompletedExceptionally(), "the broker refuses the topic name");

        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertTrue(finds.get() > before, "after a failed send the relay looks again");
        assertTrue(pending(id), "an event that cannot be sent is never dropped");
    }

    @Test
    void aFailingPassIsRetriedAfterGrowingPausesNotOnEveryTick() throws Exception {
        // An event the broker refuses (invalid topic name): every pass that finds it fails.
        String id = "o-" + UUID.randomUUID();
        PendingEvent bad = new PendingEvent(UUID.randomUUID().toString(), "not a valid topic!", "k", "{}", Instant.now().minusSeconds(60));
        orders.insertOne(new Document("_id", id).append("pending_events", List.of(bad.toDocument())));

        int before = finds.get();
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(before + 1, finds.get(), "the start-up pass looks, finds the event and fails to send it");
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(before + 1, finds.get(), "right after a failed pass the relay waits");

        Thread.sleep(2_200);
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(before + 2, finds.get(), "after 2 s it looks again (and fails again)");
        Thread.sleep(2_200);
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(before + 2, finds.get(), "the second pause is longer: 4 s");
        Thread.sleep(2_000);
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(before + 3, finds.get(), "after 4 s it looks again");
        assertTrue(pending(id), "an event that cannot be sent is never dropped");

        // Once the event can go (here: its document no longer carries it), a pass succeeds and the pauses end.
        orders.updateOne(Filters.eq("_id", id), new Document("$set", new Document("pending_events", List.of())));
        Thread.sleep(8_200);
        int seen = finds.get();
        outbox.relay(orders, AFTER, NEVER, 100, Duration.ofSeconds(5));
        assertEquals(seen + 1, finds.get(), "the pass after the 8 s pause looks and succeeds");
        String later = orphan(topic);
        assertEquals(1, outbox.relay(orders, AFTER, Duration.ZERO, 100, Duration.ofSeconds(5)), "after a successful pass a due sweep runs at once");
        await().atMost(Duration.ofSeconds(10)).until(() -> !pending(later));
    }

    @Test
    void acknowledgementsAreRemovedInBulkEvenWhenEachPublishNamesTheCollectionAnew() {
        // Services hand in a new MongoCollection object per call (getCollection), as order-finalizer does.
        MongoDatabase db = mongo.getDatabase(orders.getNamespace().getDatabaseName());
        String name = orders.getNamespace().getCollectionName();
        int n = 500;
        List<String> ids = new ArrayList<>();
        List<Document> docs = new ArrayList<>();
        List<List<PendingEvent>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PendingEvent e = new PendingEvent(UUID.randomUUID().toString(), topic, "k" + i, "{}", Instant.now());
            ids.add("o-" + i);
            events.add(List.of(e));
            docs.add(new Document("_id", "o-" + i).append("pending_events", List.of(e.toDocument())));
        }
        orders.insertMany(docs);
        int before = updates.get();
        int writes;
        try (Outbox roomy = new Outbox(new KafkaProducer<>(Outbox.producerProperties("127.0.0.1:9092", "relay-test-bulk")), n)) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(roomy.publish(db.getCollection(name), ids.get(i), events.get(i)));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            await().atMost(Duration.ofSeconds(30)).until(() -> orders.countDocuments(Filters.size("pending_events", 0)) == n);
            writes = updates.get() - before;
        }
        assertTrue(writes <= n / 5, "500 acknowledgements removed in " + writes + " bulk writes, not one each");
    }
}
