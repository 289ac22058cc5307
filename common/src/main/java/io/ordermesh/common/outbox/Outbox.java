package io.ordermesh.common.outbox;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Updates;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-document outbox (promise 2 without multi-document transactions). A service writes a
 * state change together with its {@link PendingEvent}s in one single-document update
 * ({@code pending_events}), then hands them to {@link #publish}. Each event is sent with an
 * idempotent producer ({@code acks=all}); once the broker acknowledged it, it is removed with
 * {@code $pull} by event id (acknowledgements are batched into one unordered bulk write per collection).
 * <p>
 * Publishing right after the write is best effort: if the process dies, the broker is down or the
 * send queue is full, the event simply stays in the document, and {@link #relay} (run on a
 * schedule by each service) sends whatever has been pending longer than a few seconds. Delivery is
 * therefore at least once; consumers deduplicate on {@code event_id}.
 * <p>
 * The relay's query cannot always be served by an index (the embedded local server has none, so
 * it reads the whole collection), and a scan every few seconds over a growing collection would
 * cost more than the writes it protects. So the relay only looks when an event may have been left
 * behind: after this process started (a predecessor may have died mid-way), after a failed or
 * rejected send or acknowledgement, and otherwise once per {@code sweepEvery} for events other
 * processes left behind. Events this process is still sending are never sent twice by it.
 * <p>
 * A plain class, not a CDI bean: each service builds one with its own producer (see
 * {@link #producerProperties}) and closes it on shutdown.
 */
public final class Outbox implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    private static final String PENDING = "pending_events";
    /**
     * A document with {@code outbox_hold: true} keeps its events until the writer clears the flag:
     * csv-processor holds orders whose rows may continue further down the file, so that no
     * half-read order is ever announced.
     */
    public static final String HOLD = "outbox_hold";

    /** By namespace: services hand in a new {@link MongoCollection} object per call, and those are not equal to each other. */
    private record Ack(String namespace, Object documentId, String eventId) {
    }

    private final Producer<String, String> producer;
    private final ThreadPoolExecutor sender;
    private final BlockingQueue<Ack> acks = new LinkedBlockingQueue<>();
    private final Map<String, MongoCollection<Document>> collections = new ConcurrentHashMap<>();
    private final Thread acker;
    private volatile boolean closed;
    /** Events handed to the producer and not yet removed from their documents. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** When this process last may have left an event behind (start-up counts: a predecessor may have). */
    private final AtomicLong lastMiss = new AtomicLong(System.currentTimeMillis());
    /** Per collection: a relay pass found nothing of ours left among the events created before this instant. */
    private final Map<String, Long> cleanThrough = new ConcurrentHashMap<>();
    private final Map<String, Long> lastSweep = new ConcurrentHashMap<>();
    /** Per collection: passes in a row that failed, and when the next may start (a struggling store gets room). */
    private final Map<String, Integer> failedPasses = new ConcurrentHashMap<>();
    private final Map<String, Long> notBefore = new ConcurrentHashMap<>();

    public Outbox(Producer<String, String> producer, int maxQueuedSends) {
        this.producer = producer;
        // One thread is plenty: send() only appends to the producer's buffer. It exists so that a
        // caller never blocks on broker metadata while the broker is down (max.block.ms).
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(maxQueuedSends),
                r -> daemon(r, "outbox-sender"));
        this.acker = daemon(this::drainAcks, "outbox-acker");
        this.acker.start();
    }

    /** Producer settings every outbox uses: idempotent, acknowledged by all in-sync replicas. */
    public static Properties producerProperties(String bootstrapServers, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Fail fast when the broker is away: the event is safe in MongoDB and the relay retries.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    /** The index the relay's query needs (multikey, only documents with pending events have entries). */
    public static void createIndex(MongoCollection<Document> collection) {
        collection.createIndex(Indexes.ascending(PENDING + "." + PendingEvent.CREATED_AT),
                new IndexOptions().name("outbox_pending").sparse(true));
    }

    /**
     * Sends the events of one document, already durably written in its {@code pending_events}.
     * Never blocks; the future completes when every event is acknowledged by the broker (and its
     * removal queued) or exceptionally when a send failed, in which case the relay takes over.
     */
    public CompletableFuture<Void> publish(MongoCollection<Document> collection, Object documentId, List<PendingEvent> events) {
        CompletableFuture<Void> all = new CompletableFuture<>();
        if (events.isEmpty()) {
            all.complete(null);
            return all;
        }
        try {
            sender.execute(() -> send(collection, documentId, events, all));
        } catch (RejectedExecutionException e) {
            missed();
            all.completeExceptionally(new IllegalStateException("outbox send queue full; the relay will publish", e));
        }
        return all;
    }

    private void send(MongoCollection<Document> collection, Object documentId, List<PendingEvent> events, CompletableFuture<Void> all) {
        List<CompletableFuture<Void>> sends = new ArrayList<>(events.size());
        String namespace = namespaceOf(collection);
        for (PendingEvent e : events) {
            CompletableFuture<Void> one = new CompletableFuture<>();
            sends.add(one);
            inFlight.add(e.eventId());
            try {
                producer.send(new ProducerRecord<>(e.topic(), e.key(), e.payload()), (meta, error) -> {
                    if (error != null) {
                        LOG.debugf("outbox: event %s to %s not sent (%s); left for the relay", e.eventId(), e.topic(), error.toString());
                        stranded(e.eventId());
                        one.completeExceptionally(error);
                    } else {
                        acks.add(new Ack(namespace, documentId, e.eventId()));
                        one.complete(null);
                    }
                });
            } catch (RuntimeException error) {
                LOG.debugf("outbox: event %s to %s not sent (%s); left for the relay", e.eventId(), e.topic(), error.toString());
                stranded(e.eventId());
                one.completeExceptionally(error);
            }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).whenComplete((v, error) -> {
            if (error != null) {
                all.completeExceptionally(error);
            } else {
                all.complete(null);
            }
        });
    }

    /**
     * Republishes events pending for longer than {@code olderThan} in at most {@code maxDocuments}
     * documents of the collection, waiting up to {@code timeout} for the broker, when this process
     * may have left one behind or a sweep is due (see the class comment). Answers how many events
     * were acknowledged. Never throws: a failed pass is logged and the next one looks again. Safe
     * to run on several instances at once (duplicates are allowed by the at-least-once contract
     * and removed by event id downstream).
     */
    public int relay(MongoCollection<Document> collection, Duration olderThan, Duration sweepEvery, int maxDocuments, Duration timeout) {
        String namespace = namespaceOf(collection);
        long now = System.currentTimeMillis();
        long missAtStart = lastMiss.get();
        if (now < notBefore.getOrDefault(namespace, Long.MIN_VALUE)) {
            return 0;
        }
        if (missAtStart < cleanThrough.getOrDefault(namespace, Long.MIN_VALUE)
                && now - lastSweep.getOrDefault(namespace, Long.MIN_VALUE / 2) < sweepEvery.toMillis()) {
            return 0;
        }
        lastSweep.put(namespace, now);
        Date cutoff = new Date(now - olderThan.toMillis());
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        int[] sent = {0};
        int documents = 0;
        try {
            for (Document d : collection.find(Filters.and(Filters.lt(PENDING + "." + PendingEvent.CREATED_AT, cutoff),
                            Filters.ne(HOLD, true)))
                    .projection(new Document(PENDING, 1)).limit(maxDocuments)) {
                documents++;
                List<PendingEvent> due = d.getList(PENDING, Document.class, List.of()).stream().map(PendingEvent::fromDocument)
                        .filter(e -> e.createdAt().isBefore(cutoff.toInstant()) && !inFlight.contains(e.eventId())).toList();
                if (due.isEmpty()) {
                    continue;
                }
                CompletableFuture<Void> f = new CompletableFuture<>();
                send(collection, d.get("_id"), due, f);
                sends.add(f.thenRun(() -> {
                    synchronized (sent) {
                        sent[0] += due.size();
                    }
                }));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            flushAcks();
            if (documents < maxDocuments && lastMiss.get() == missAtStart) {
                cleanThrough.put(namespace, cutoff.getTime());
            }
            failedPasses.remove(namespace);
            notBefore.remove(namespace);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A pass that failed (typically a store too slow to answer) is retried after 2, 4, 8 ...
            // seconds up to sweepEvery, not on every tick: each pass is a scan that store can ill afford.
            int failed = failedPasses.merge(namespace, 1, Integer::sum);
            notBefore.put(namespace, System.currentTimeMillis() + Math.min(1000L << Math.min(failed, 10), sweepEvery.toMillis()));
            LOG.warnf("outbox relay on %s: not every pending event was republished (%s); will look again", namespace, e.toString());
        }
        synchronized (sent) {
            if (!sends.isEmpty()) {
                LOG.infof("outbox relay on %s: republished %d of the events pending in %d document(s)", namespace, sent[0], sends.size());
            }
            return sent[0];
        }
    }

    /** Removes every acknowledged event now (the acker thread does this continuously). */
    public void flushAcks() {
        List<Ack> batch = new ArrayList<>();
        acks.drainTo(batch);
        pull(batch);
    }

    private void missed() {
        lastMiss.accumulateAndGet(System.currentTimeMillis(), Math::max);
    }

    /** The collection's full name; the first object seen under a name is the one the acker writes with. */
    private String namespaceOf(MongoCollection<Document> collection) {
        String namespace = collection.getNamespace().getFullName();
        collections.putIfAbsent(namespace, collection);
        return namespace;
    }

    private void stranded(String eventId) {
        inFlight.remove(eventId);
        missed();
    }

    private void drainAcks() {
        List<Ack> batch = new ArrayList<>();
        while (!closed || !acks.isEmpty()) {
            try {
                Ack first = acks.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                acks.drainTo(batch, 999);
                pull(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("outbox: could not remove %d acknowledged event(s): %s", batch.size(), e.toString());
                missed();
            } finally {
                batch.clear();
            }
        }
    }

    /**
     * One unordered bulk write per collection, one {@code updateOne} by {@code _id} per document: a
     * single {@code updateMany} with {@code _id $in} is not served by the primary key on every
     * server (the embedded one scans the collection for it, which made acknowledging quadratic).
     */
    private void pull(List<Ack> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Map<String, Map<Object, List<String>>> byCollection = new HashMap<>();
        for (Ack a : batch) {
            byCollection.computeIfAbsent(a.namespace(), c -> new LinkedHashMap<>())
                    .computeIfAbsent(a.documentId(), d -> new ArrayList<>()).add(a.eventId());
        }
        byCollection.forEach((namespace, docs) -> {
            MongoCollection<Document> collection = collections.get(namespace);
            List<com.mongodb.client.model.WriteModel<Document>> updates = new ArrayList<>(docs.size());
            docs.forEach((id, eventIds) -> updates.add(new com.mongodb.client.model.UpdateOneModel<>(Filters.eq("_id", id),
                    Updates.pull(PENDING, Filters.in(PendingEvent.EVENT_ID, eventIds)))));
            try {
                collection.bulkWrite(updates, new com.mongodb.client.model.BulkWriteOptions().ordered(false));
            } catch (RuntimeException e) {
                // MongoDB away: the events stay pending, sent already; the relay sends them again (harmless).
                LOG.warnf("outbox: could not remove %d acknowledged event(s): %s", updates.size(), e.toString());
                missed();
            } finally {
                docs.values().forEach(inFlight::removeAll);
            }
        });
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
            producer.flush();
            closed = true;
            acker.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
