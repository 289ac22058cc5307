package io.ordermesh.webhooks.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ordermesh.common.config.WebhookTargets;
import io.ordermesh.common.net.AddressGuard;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.webhooks.client.WebhookSender;
import io.ordermesh.webhooks.config.DispatcherConfig;
import io.ordermesh.webhooks.repository.DeliveryRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * Runs attempts. Deliveries wait in one in-memory lane per subscription; each lane has its own
 * bound on attempts in flight, so an endpoint that hangs only fills its own lane. An attempt
 * starts by claiming the delivery in MongoDB (compare-and-set with a lease; a new delivery whose
 * lane has room is inserted already claimed), so two instances never send the same attempt, and
 * ends by recording its result as the lease owner. Anything not
 * in memory (a retry that is due, a lease whose owner died, a lane that overflowed) is found by
 * the poller.
 */
@Singleton
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    /** A delivery waiting for an attempt; {@code seenVersion} when it is known to be claimable at that version. */
    private record Ticket(String id, Integer seenVersion) {
    }

    /**
     * A recorded attempt waiting for the next bulk write of results: once written, its slot in the
     * lane is given back, then {@code then} runs (may be null).
     */
    private record PendingResult(DeliveryRepository.Result result, Date leaseUntil, Lane lane, Runnable then) {
    }

    /** Results written in one bulk write at most (the write itself takes whatever is waiting). */
    private static final int MAX_RESULTS_PER_WRITE = 1000;

    private static final class Lane {
        final String subscriptionId;
        final ArrayDeque<Ticket> queue = new ArrayDeque<>();
        int inFlight;
        /** Moving average of the endpoint's answer time, and when it last answered 2xx (nanoTime; 0 = never). */
        double latencyMillis;
        long lastSuccessNanos;

        Lane(String subscriptionId) {
            this.subscriptionId = subscriptionId;
        }

        void answered(long latency, boolean success) {
            latencyMillis = latencyMillis == 0 ? latency : 0.9 * latencyMillis + 0.1 * latency;
            if (success) {
                lastSuccessNanos = System.nanoTime();
            }
        }

        /** Answering quickly and successfully: a backlog here is the dispatcher's, not the endpoint's. */
        boolean healthy(long now) {
            return lastSuccessNanos != 0 && now - lastSuccessNanos < HEALTHY_WITHIN.toNanos() && latencyMillis < SLOW_ENDPOINT.toMillis();
        }
    }

    /** An endpoint answering slower than this on average is slow: fan-out never waits for its lane. */
    private static final Duration SLOW_ENDPOINT = Duration.ofSeconds(1);
    private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(5);
    /**
     * The longest fan-out waits for room per batch of events: well inside the 10 minutes the
     * throttled commit strategy allows a record to stay unacknowledged.
     */
    private static final Duration MAX_ROOM_WAIT = Duration.ofSeconds(60);

    private final DeliveryRepository deliveries;
    private final SubscriptionCache subscriptions;
    private final io.ordermesh.webhooks.repository.SubscriptionRepository subscriptionRepository;
    private final WebhookSender sender;
    private final RetryPolicy retries;
    private final DispatcherConfig config;
    private final Duration drain;
    private final AddressGuard guard;
    private final String owner = UUID.randomUUID().toString();
    private final ExecutorService workers;
    private static final Duration SOON = Duration.ofSeconds(30);
    private final java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "webhook-retry-timer");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    /** Delivery ids queued or in flight here, so the poller and the consumer never queue one twice. */
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LinkedBlockingQueue<PendingResult> results = new LinkedBlockingQueue<>();
    /**
     * Claims whose outcome was lost to a MongoDB error midway (delivery id → the claim's lease):
     * the next poll, or the shutdown, hands them back rather than leave them to lease expiry.
     */
    private final Map<String, Date> lostClaims = new ConcurrentHashMap<>();
    /**
     * After a poll that found nothing new, the next waits up to {@link #QUIET_POLL} unless the busy
     * lanes change (a lane running low must be refilled at once). Retries due sooner than
     * {@link #SOON} are timed in memory, so this only delays later retries and expired leases.
     */
    private static final Duration QUIET_POLL = Duration.ofSeconds(10);
    private volatile Set<String> quietBusy = Set.of();
    private volatile Date quietUntil = new Date(0);
    private final Thread resultWriter;
    private volatile boolean stopping;

    private final Counter succeeded;
    private final Counter failed;
    private final Counter retried;
    private final Timer latency;

    Dispatcher(DeliveryRepository deliveries, SubscriptionCache subscriptions,
               io.ordermesh.webhooks.repository.SubscriptionRepository subscriptionRepository, WebhookSender sender,
               RetryPolicy retries, DispatcherConfig config, WebhookTargets targets, MeterRegistry metrics,
               @org.eclipse.microprofile.config.inject.ConfigProperty(name = "ordermesh.shutdown.drain") Duration drain) {
        this.drain = drain;
        this.deliveries = deliveries;
        this.subscriptions = subscriptions;
        this.subscriptionRepository = subscriptionRepository;
        this.sender = sender;
        this.retries = retries;
        this.config = config;
        this.guard = new AddressGuard(targets.allowedHosts().orElse(List.of()));
        this.workers = Executors.newFixedThreadPool(Math.max(1, config.workerThreads()), r -> {
            Thread t = new Thread(r, "webhook-worker");
            t.setDaemon(true);
            return t;
        });
        this.succeeded = Counter.builder("ordermesh.webhooks.deliveries").tag("outcome", "succeeded")
                .description("Deliveries answered 2xx").register(metrics);
        this.failed = Counter.builder("ordermesh.webhooks.deliveries").tag("outcome", "failed")
                .description("Deliveries given up (exhausted, 410, refused URL) and logged in webhook_logs").register(metrics);
        this.retried = Counter.builder("ordermesh.webhooks.deliveries").tag("outcome", "retried")
                .description("Failed attempts scheduled for another try").register(metrics);
        this.latency = Timer.builder("ordermesh.webhooks.attempt.latency").description("Duration of one HTTP attempt")
                .publishPercentiles(0.5, 0.99).register(metrics);
        metrics.gauge("ordermesh.webhooks.in.flight", inFlight);
        this.resultWriter = new Thread(this::writeResults, "webhook-results");
        resultWriter.setDaemon(true);
        resultWriter.start();
    }

    /** Queues a delivery for an attempt as soon as its lane has room; ignored while stopping or when the lane is full. */
    public void submit(String subscriptionId, String deliveryId) {
        submit(subscriptionId, deliveryId, null);
    }

    /**
     * As {@link #submit(String, String)}, for a delivery seen claimable at {@code seenVersion}
     * (just inserted, or found by the poller): its claim is then one compare-and-set, no read first.
     */
    public void submit(String subscriptionId, String deliveryId, Integer seenVersion) {
        if (stopping || !known.add(deliveryId)) {
            return;
        }
        Lane lane = lanes.computeIfAbsent(subscriptionId, Lane::new);
        synchronized (lane) {
            if (lane.queue.size() >= config.maxQueuedPerEndpoint()) {
                known.remove(deliveryId); // stays pending in MongoDB; the poller brings it back
                return;
            }
            lane.queue.add(new Ticket(deliveryId, seenVersion));
        }
        pump(lane);
    }

    /**
     * Takes an attempt slot for a new delivery about to be inserted, when its lane has room and
     * nothing queued ahead of it, and makes the delivery one claimed by this instance, so it is
     * inserted claimed and its first attempt saves the claim's write and read. Each reserved
     * delivery must then be {@link #startReserved started} or {@link #abandonReserved abandoned}.
     */
    public boolean reserve(Document delivery) {
        String id = delivery.getString(ID);
        if (stopping || !known.add(id)) {
            return false;
        }
        Lane lane = lanes.computeIfAbsent(delivery.getString(SUBSCRIPTION_ID), Lane::new);
        synchronized (lane) {
            if (lane.queue.isEmpty() && takeSlot(lane)) {
                DeliveryRepository.claimedAtInsert(delivery, owner, Date.from(Instant.now().plus(config.lease())));
                return true;
            }
        }
        known.remove(id);
        return false;
    }

    /** Takes a slot of the lane (held by the caller) and of the instance, if both have room. */
    private boolean takeSlot(Lane lane) {
        if (stopping || lane.inFlight >= config.maxInFlightPerEndpoint()) {
            return false;
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            inFlight.decrementAndGet();
            return false;
        }
        lane.inFlight++;
        return true;
    }

    /** Makes the first attempt of each reserved delivery that was inserted; the others (already there) give their slot back. */
    public void startReserved(List<Document> reserved, Set<String> inserted) {
        List<Document> fresh = new ArrayList<>();
        Map<String, Lane> notInserted = new HashMap<>();
        for (Document d : reserved) {
            if (inserted.contains(d.getString(ID))) {
                fresh.add(d);
            } else {
                notInserted.put(d.getString(ID), lanes.get(d.getString(SUBSCRIPTION_ID)));
            }
        }
        if (!notInserted.isEmpty()) {
            finish(notInserted);
        }
        if (!fresh.isEmpty()) {
            try {
                workers.execute(() -> fresh.forEach(d -> attempt(lanes.get(d.getString(SUBSCRIPTION_ID)), d, Instant.now())));
            } catch (RejectedExecutionException e) {
                abandonReserved(fresh); // reserved just as the shutdown stopped the workers
            }
        }
    }

    /** The insert of reserved deliveries failed midway: any that were inserted claimed are handed back by the next poll. */
    public void abandonReserved(List<Document> reserved) {
        Map<String, Lane> ended = new HashMap<>();
        for (Document d : reserved) {
            lostClaim(d);
            ended.put(d.getString(ID), lanes.get(d.getString(SUBSCRIPTION_ID)));
        }
        if (!ended.isEmpty()) {
            finish(ended);
        }
    }

    /** Starts as many queued attempts as the lane and the instance have room for, claimed together. */
    private void pump(Lane lane) {
        List<Ticket> tickets = new ArrayList<>();
        synchronized (lane) {
            while (!lane.queue.isEmpty() && takeSlot(lane)) {
                tickets.add(lane.queue.poll());
            }
        }
        if (!tickets.isEmpty()) {
            workers.execute(() -> attempt(lane, tickets));
        }
    }

    private void finish(Lane lane, String id) {
        finish(Map.of(id, lane));
    }

    /** Gives back the slots of ended attempts (delivery id → its lane), then refills each lane once. */
    private void finish(Map<String, Lane> ended) {
        boolean wasFull = false;
        for (Map.Entry<String, Lane> e : ended.entrySet()) {
            known.remove(e.getKey());
            synchronized (e.getValue()) {
                e.getValue().inFlight--;
            }
            wasFull |= inFlight.getAndDecrement() >= config.maxInFlight();
        }
        if (wasFull) {
            lanes.values().forEach(this::pump);
        } else {
            new HashSet<>(ended.values()).forEach(this::pump);
        }
    }

    /**
     * Back-pressure for fan-out, called before a batch of events becomes deliveries: waits (at most
     * {@link #MAX_ROOM_WAIT}) while a healthy endpoint's lane still has a poll's worth queued. Its new
     * deliveries then reach the lane directly instead of overflowing into MongoDB, where only the
     * poller finds them again (a query over the whole backlog), and the backlog stays in Kafka as
     * consumer lag. Slow or failing endpoints never hold it up: their overflow goes to MongoDB, so
     * they only hold up themselves.
     */
    public void awaitRoom() {
        long deadline = System.nanoTime() + MAX_ROOM_WAIT.toNanos();
        while (!stopping && System.nanoTime() < deadline && healthyLaneBacklogged()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean healthyLaneBacklogged() {
        long now = System.nanoTime();
        for (Lane lane : lanes.values()) {
            synchronized (lane) {
                if (lane.queue.size() >= config.pollBatch() && lane.healthy(now)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Subscriptions whose lane has work enough for now (at least half a poll's worth queued): the
     * poller leaves their deliveries in MongoDB until the lane runs lower, and takes them before it is empty.
     */
    public List<String> busySubscriptions() {
        List<String> busy = new ArrayList<>();
        int enough = Math.max(1, config.pollBatch() / 2);
        for (Lane lane : lanes.values()) {
            synchronized (lane) {
                if (lane.queue.size() >= enough) {
                    busy.add(lane.subscriptionId);
                }
            }
        }
        return busy;
    }

    /**
     * Claims the tickets' deliveries together, then makes one attempt of each claimed one; those not
     * claimed (not due, done, or claimed by another instance) give their slot back at once.
     */
    private void attempt(Lane lane, List<Ticket> tickets) {
        Instant now = Instant.now();
        Date leaseUntil = Date.from(now.plus(config.lease()));
        List<Document> claimed;
        try {
            Map<String, Integer> seen = new HashMap<>();
            tickets.forEach(t -> seen.put(t.id(), t.seenVersion()));
            claimed = deliveries.claim(seen, owner, Date.from(now), leaseUntil);
        } catch (RuntimeException e) {
            // MongoDB trouble: some may be claimed without us knowing; they are handed back, the rest stay pending.
            LOG.warnf("attempts of %d deliveries not made: %s", tickets.size(), e.toString());
            tickets.forEach(t -> lostClaim(t.id(), leaseUntil));
            claimed = List.of();
        }
        Map<String, Lane> notClaimed = new HashMap<>();
        tickets.forEach(t -> notClaimed.put(t.id(), lane));
        claimed.forEach(d -> notClaimed.remove(d.getString(ID)));
        if (!notClaimed.isEmpty()) {
            finish(notClaimed);
        }
        for (Document delivery : claimed) {
            attempt(lane, delivery, now);
        }
    }

    private void attempt(Lane lane, Document delivery, Instant now) {
        String id = delivery.getString(ID);
        try {
            int number = delivery.getInteger(ATTEMPT_COUNT, 0) + 1;
            Document subscription = subscriptions.byId(delivery.getString(SUBSCRIPTION_ID)).orElse(null);
            if (subscription == null || !subscription.getBoolean(WebhookDocuments.ACTIVE, true)) {
                String reason = subscription == null ? "subscription was deleted" : "subscription is not active"
                        + (subscription.getString(WebhookDocuments.DISABLED_REASON) == null ? "" : ": " + subscription.getString(WebhookDocuments.DISABLED_REASON));
                endFailed(delivery, null, now, reason);
                finish(lane, id);
                return;
            }
            String url = subscription.getString(WebhookDocuments.URL);
            AddressGuard.Verdict verdict = check(url);
            String refused = verdict.reason();
            if (refused != null) {
                // Checked again at send time: DNS may answer differently than when the URL was registered.
                LOG.warnf("delivery %s to subscription %s refused, no request sent: %s", id, lane.subscriptionId, refused);
                endFailed(delivery, attemptDoc(number, now, 0, 0, null, "refused: " + refused, "refused"), now, "refused: " + refused);
                finish(lane, id);
                return;
            }
            String body = delivery.getString(BODY);
            long timestamp = now.getEpochSecond();
            Map<String, String> headers = Map.of(
                    "webhook-id", id,
                    "webhook-timestamp", Long.toString(timestamp),
                    "webhook-signature", Signer.signatureHeader(subscription, id, timestamp, body, now));
            // Connects to the address just checked, never to a second DNS answer (no rebinding past the guard).
            sender.post(url, verdict.addresses().get(0), headers, body).subscribe().with(
                    result -> workers.execute(() -> record(lane, delivery, subscription, number, now, result)),
                    e -> workers.execute(() -> record(lane, delivery, subscription, number, now,
                            new WebhookSender.Result(0, null, null, e.toString(), Duration.between(now, Instant.now()).toMillis()))));
        } catch (RuntimeException e) {
            // MongoDB trouble: the claim is handed back by the next poll.
            LOG.warnf("attempt of delivery %s not made: %s", id, e.toString());
            lostClaim(delivery);
            finish(lane, id);
        }
    }

    /**
     * Records an attempt's result. Successes and retries join the next bulk write of results, and the
     * lane slot is only given back once that write is done, so an attempt counts as in flight (and
     * graceful shutdown waits for it) until its result is in MongoDB. Failures are written at once.
     */
    private void record(Lane lane, Document delivery, Document subscription, int number, Instant started, WebhookSender.Result result) {
        String id = delivery.getString(ID);
        boolean handedOver = false;
        try {
            Instant now = Instant.now();
            int version = delivery.getInteger(VERSION);
            latency.record(Duration.ofMillis(result.latencyMillis()));
            synchronized (lane) {
                lane.answered(result.latencyMillis(), result.success());
            }
            String outcome = result.success() ? "succeeded" : result.statusCode() == 410 ? "gone" : "failed";
            Document attempt = attemptDoc(number, started, result.statusCode(), result.latencyMillis(), result.responseExcerpt(),
                    result.error(), outcome);
            Date leaseUntil = delivery.getDate(LEASE_UNTIL);
            if (result.success()) {
                results.add(new PendingResult(DeliveryRepository.success(id, version, attempt, Date.from(now)), leaseUntil, lane, null));
                handedOver = true;
                return;
            }
            String error = result.error() != null ? result.error() : "HTTP " + result.statusCode();
            if (result.statusCode() == 410) {
                String reason = "endpoint answered 410 Gone at " + now;
                if (subscriptionRepository.disable(delivery.getString(SUBSCRIPTION_ID), reason)) {
                    LOG.infof("subscription %s disabled: %s", delivery.getString(SUBSCRIPTION_ID), reason);
                }
                subscriptions.invalidate();
                endFailed(delivery, attempt, now, "410 Gone: subscription disabled");
                return;
            }
            Duration retryAfter = result.statusCode() == 429 || result.statusCode() == 503
                    ? RetryPolicy.parseRetryAfter(result.retryAfter(), now) : null;
            int inRun = number - delivery.getInteger(SCHEDULE_BASE, 0);
            Instant next = retries.next(inRun, now, retryAfter).orElse(null);
            if (next == null) {
                endFailed(delivery, attempt, now, "gave up after " + inRun + " attempts; last: " + error);
                return;
            }
            // The slot is given back first: a retry already due must not find itself still known here.
            results.add(new PendingResult(DeliveryRepository.retry(id, delivery.getString(SUBSCRIPTION_ID), version, attempt, Date.from(now), Date.from(next), error), leaseUntil, lane, () -> {
                long delay = Duration.between(Instant.now(), next).toMillis();
                if (delay < SOON.toMillis() && !stopping) {
                    // A near retry is timed here instead of waiting for the next poll; the claim still decides.
                    timer.schedule(() -> submit(lane.subscriptionId, id), Math.max(0, delay), TimeUnit.MILLISECONDS);
                }
            }));
            handedOver = true;
        } catch (RuntimeException e) {
            LOG.warnf("result of delivery %s not recorded (the claim is handed back and the attempt made again): %s", id, e.toString());
            lostClaim(delivery);
        } finally {
            if (!handedOver) {
                finish(lane, id);
            }
        }
    }

    /**
     * The group commit of results: one thread writes everything waiting in one bulk write, gives the
     * slots back, then settles the {@code webhook_due} entries (outside the slots' wait).
     */
    private void writeResults() {
        List<PendingResult> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(results.take());
            } catch (InterruptedException e) {
                return;
            }
            results.drainTo(batch, MAX_RESULTS_PER_WRITE - 1);
            List<DeliveryRepository.Result> written = batch.stream().map(PendingResult::result).toList();
            DeliveryRepository.Recorded recorded = null;
            try {
                recorded = deliveries.recordResults(written);
                succeeded.increment(recorded.successes());
                retried.increment(recorded.retries());
                if (recorded.lost() > 0) {
                    LOG.warnf("%d attempt results not recorded: their lease had passed to another claim", recorded.lost());
                }
            } catch (RuntimeException e) {
                LOG.warnf("%d attempt results not recorded (their claims are handed back and the attempts made again): %s",
                        batch.size(), e.toString());
                batch.forEach(p -> lostClaim(p.result().id(), p.leaseUntil()));
            }
            Map<String, Lane> ended = new HashMap<>();
            batch.forEach(p -> ended.put(p.result().id(), p.lane()));
            finish(ended);
            for (PendingResult p : batch) {
                if (p.then() != null) {
                    try {
                        p.then().run();
                    } catch (RuntimeException e) {
                        LOG.warnf("after recording delivery %s: %s", p.result().id(), e.toString());
                    }
                }
            }
            batch.clear();
            if (recorded != null) {
                try {
                    deliveries.settleDue(written, recorded);
                } catch (RuntimeException e) {
                    LOG.warnf("webhook_due entries of %d results not settled (the poller tidies them): %s", written.size(), e.toString());
                }
            }
        }
    }

    private void lostClaim(Document delivery) {
        lostClaim(delivery.getString(ID), delivery.getDate(LEASE_UNTIL));
    }

    /**
     * The first lost claim of a delivery is kept: while it may hold (until its lease ends) no later
     * claim can succeed; one lost after that is left to its lease.
     */
    private void lostClaim(String id, Date leaseUntil) {
        if (leaseUntil != null) {
            lostClaims.putIfAbsent(id, leaseUntil);
        }
    }

    /** Hands back the {@link #lostClaims}; those it cannot reach now stay for the next try (or their lease expiry). */
    private void releaseLostClaims() {
        if (lostClaims.isEmpty()) {
            return;
        }
        Map<String, Date> claims = Map.copyOf(lostClaims);
        try {
            int released = deliveries.release(claims, owner, new Date());
            claims.forEach(lostClaims::remove); // remove(id, lease): a claim lost since stays
            if (released > 0) {
                quietUntil = new Date(0); // they are due now: the poll that follows must not wait
            }
            LOG.infof("of %d claims whose outcome was lost to a MongoDB error, %d were still in flight and are handed back",
                    claims.size(), released);
        } catch (RuntimeException e) {
            LOG.warnf("%d claims whose outcome was lost not handed back yet: %s", claims.size(), e.toString());
        }
    }

    private void endFailed(Document delivery, Document attempt, Instant now, String reason) {
        String id = delivery.getString(ID);
        if (deliveries.recordFailure(id, delivery.getInteger(VERSION), attempt, Date.from(now), reason)) {
            failed.increment();
            LOG.warnf("delivery %s failed for good, logged in webhook_logs: %s", id, reason);
        }
    }

    /** The guard's verdict on the URL now; when allowed it carries at least one checked address. */
    private AddressGuard.Verdict check(String url) {
        try {
            AddressGuard.Verdict verdict = guard.check(new URI(url));
            if (verdict.allowed() && verdict.addresses().isEmpty()) {
                return new AddressGuard.Verdict("host resolves to no address", List.of());
            }
            return verdict;
        } catch (URISyntaxException | RuntimeException e) {
            return new AddressGuard.Verdict("not a valid URL", List.of());
        }
    }

    private static Document attemptDoc(int number, Instant at, int status, long latencyMillis, String excerpt, String error, String outcome) {
        Document d = new Document(A_NUMBER, number).append(A_AT, Date.from(at)).append(A_OUTCOME, outcome)
                .append(A_LATENCY_MS, latencyMillis);
        if (status > 0) {
            d.append(A_STATUS_CODE, status);
        }
        if (excerpt != null) {
            d.append(A_RESPONSE, excerpt);
        }
        if (error != null) {
            d.append(A_ERROR, error);
        }
        return d;
    }

    /**
     * Due retries, expired leases and anything a full lane left behind, found through
     * {@code webhook_due}: entries not already queued or in flight here are judged by their
     * delivery's own state (read by {@code _id}): claimable ones are queued with the version seen,
     * finished ones lose their entry, the rest are moved on to when they can next be claimed.
     */
    @Scheduled(every = "${ordermesh.webhooks.poll-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "1s")
    void poll() {
        if (stopping) {
            return;
        }
        releaseLostClaims();
        try {
            long start = System.nanoTime();
            Date now = new Date();
            Set<String> busy = Set.copyOf(busySubscriptions());
            if (busy.equals(quietBusy) && now.before(quietUntil)) {
                return;
            }
            List<String> ids = new ArrayList<>();
            // Entries of deliveries already queued or in flight here come back too (they stay due until
            // their result is written); asking for that many more keeps them from hiding the others.
            for (Document entry : deliveries.dueEntries(now, config.pollBatch() + known.size(), busy)) {
                if (!known.contains(entry.getString(ID))) {
                    ids.add(entry.getString(ID));
                }
            }
            if (ids.isEmpty()) {
                // Nothing new is due outside the busy lanes: where the store scans for due entries (the
                // embedded server), asking again every second would cost a scan of the whole backlog.
                quietBusy = busy;
                quietUntil = Date.from(now.toInstant().plus(QUIET_POLL));
                return;
            }
            quietUntil = now;
            Map<String, Document> states = deliveries.states(ids);
            List<String> finished = new ArrayList<>();
            Map<String, Date> later = new HashMap<>();
            int queued = 0;
            for (String id : ids) {
                Document d = states.get(id);
                String status = d == null ? null : d.getString(STATUS);
                if (d == null || SUCCEEDED.equals(status) || FAILED.equals(status)) {
                    finished.add(id);
                } else if (DeliveryRepository.claimable(d, now)) {
                    submit(d.getString(SUBSCRIPTION_ID), id, d.getInteger(VERSION));
                    queued++;
                } else {
                    Date next = DeliveryRepository.nextClaimableAt(d);
                    later.put(id, next != null ? next : Date.from(now.toInstant().plus(config.lease())));
                }
            }
            deliveries.tidyDue(finished, later);
            LOG.debugf("poll: %d due entries, %d queued, %d finished, %d later, in %d ms", ids.size(), queued, finished.size(),
                    later.size(), (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            LOG.warnf("poll for due deliveries failed: %s", e.toString());
        }
    }

    /**
     * The safety net behind the poll: claimable deliveries found in {@code webhook_deliveries} itself
     * (a scan on the embedded server, so rare; also right after start-up) that have no due entry
     * get one and are queued.
     */
    @Scheduled(every = "${ordermesh.webhooks.sweep-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (stopping) {
            return;
        }
        try {
            Date now = new Date();
            List<Document> orphans = deliveries.ensureDue(deliveries.sweep(now, config.pollBatch() * 10), now);
            for (Document d : orphans) {
                submit(d.getString(SUBSCRIPTION_ID), d.getString(ID), d.getInteger(VERSION));
            }
            if (!orphans.isEmpty()) {
                LOG.infof("sweep: %d claimable deliveries without a webhook_due entry found and queued", orphans.size());
            }
        } catch (RuntimeException e) {
            LOG.warnf("sweep for claimable deliveries failed: %s", e.toString());
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int queued() {
        int n = 0;
        for (Lane lane : lanes.values()) {
            synchronized (lane) {
                n += lane.queue.size();
            }
        }
        return n;
    }

    public boolean stopping() {
        return stopping;
    }

    /**
     * Graceful shutdown: start nothing new, let attempts in flight finish and record their result
     * (up to {@code ordermesh.shutdown.drain} less the 2 s for the workers below; longer than the
     * request timeout); whatever is still queued stays pending in MongoDB, and an attempt cut short
     * is claimable again when its lease expires.
     */
    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        long deadline = System.nanoTime() + drain.minusSeconds(2).toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        releaseLostClaims();
        LOG.infof("webhook dispatcher stopped; %d attempts still in flight are left to lease expiry", inFlight.get());
        timer.shutdownNow();
        resultWriter.interrupt();
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
