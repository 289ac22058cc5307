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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * Runs attempts. Deliveries wait in one in-memory lane per subscription; each lane has its own
 * bound on attempts in flight, so an endpoint that hangs only fills its own lane. An attempt
 * starts by claiming the delivery in MongoDB (compare-and-set with a lease), so two instances
 * never send the same attempt, and ends by recording its result as the lease owner. Anything not
 * in memory (a retry that is due, a lease whose owner died, a lane that overflowed) is found by
 * the poller.
 */
@Singleton
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);

    private static final class Lane {
        final String subscriptionId;
        final ArrayDeque<String> queue = new ArrayDeque<>();
        int inFlight;

        Lane(String subscriptionId) {
            this.subscriptionId = subscriptionId;
        }
    }

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
    }

    /** Queues a delivery for an attempt as soon as its lane has room; ignored while stopping or when the lane is full. */
    public void submit(String subscriptionId, String deliveryId) {
        if (stopping || !known.add(deliveryId)) {
            return;
        }
        Lane lane = lanes.computeIfAbsent(subscriptionId, Lane::new);
        synchronized (lane) {
            if (lane.queue.size() >= config.maxQueuedPerEndpoint()) {
                known.remove(deliveryId); // stays pending in MongoDB; the poller brings it back
                return;
            }
            lane.queue.add(deliveryId);
        }
        pump(lane);
    }

    private void pump(Lane lane) {
        while (true) {
            String id;
            synchronized (lane) {
                if (stopping || lane.queue.isEmpty() || lane.inFlight >= config.maxInFlightPerEndpoint()) {
                    return;
                }
                if (inFlight.incrementAndGet() > config.maxInFlight()) {
                    inFlight.decrementAndGet();
                    return;
                }
                id = lane.queue.poll();
                lane.inFlight++;
            }
            workers.execute(() -> attempt(lane, id));
        }
    }

    private void finish(Lane lane, String id) {
        known.remove(id);
        synchronized (lane) {
            lane.inFlight--;
        }
        boolean wasFull = inFlight.getAndDecrement() >= config.maxInFlight();
        pump(lane);
        if (wasFull) {
            lanes.values().forEach(this::pump);
        }
    }

    /** Subscriptions whose lane is already saturated: the poller leaves their deliveries in MongoDB for now. */
    public List<String> busySubscriptions() {
        List<String> busy = new ArrayList<>();
        for (Lane lane : lanes.values()) {
            synchronized (lane) {
                if (lane.inFlight >= config.maxInFlightPerEndpoint() && !lane.queue.isEmpty()) {
                    busy.add(lane.subscriptionId);
                }
            }
        }
        return busy;
    }

    private void attempt(Lane lane, String id) {
        try {
            Instant now = Instant.now();
            Document delivery = deliveries.claim(id, owner, Date.from(now), Date.from(now.plus(config.lease()))).orElse(null);
            if (delivery == null) {
                finish(lane, id); // not due, done, or claimed by another instance
                return;
            }
            int number = delivery.getInteger(ATTEMPT_COUNT, 0) + 1;
            Document subscription = subscriptions.byId(delivery.getString(SUBSCRIPTION_ID)).orElse(null);
            if (subscription == null || !subscription.getBoolean(WebhookDocuments.ACTIVE, true)) {
                String reason = subscription == null ? "subscription was deleted" : "subscription is not active"
                        + (subscription.getString(WebhookDocuments.DISABLED_REASON) == null ? "" : ": " + subscription.getString(WebhookDocuments.DISABLED_REASON));
                endFailed(id, null, now, reason);
                finish(lane, id);
                return;
            }
            String url = subscription.getString(WebhookDocuments.URL);
            String refused = refusal(url);
            if (refused != null) {
                // Checked again at send time: DNS may answer differently than when the URL was registered.
                LOG.warnf("delivery %s to subscription %s refused, no request sent: %s", id, lane.subscriptionId, refused);
                endFailed(id, attemptDoc(number, now, 0, 0, null, "refused: " + refused, "refused"), now, "refused: " + refused);
                finish(lane, id);
                return;
            }
            String body = delivery.getString(BODY);
            long timestamp = now.getEpochSecond();
            Map<String, String> headers = Map.of(
                    "webhook-id", id,
                    "webhook-timestamp", Long.toString(timestamp),
                    "webhook-signature", Signer.signatureHeader(subscription, id, timestamp, body, now));
            sender.post(url, headers, body).subscribe().with(
                    result -> workers.execute(() -> record(lane, delivery, subscription, number, now, result)),
                    e -> workers.execute(() -> record(lane, delivery, subscription, number, now,
                            new WebhookSender.Result(0, null, null, e.toString(), Duration.between(now, Instant.now()).toMillis()))));
        } catch (RuntimeException e) {
            // MongoDB trouble: the delivery stays pending (or its lease expires) and the poller tries again.
            LOG.warnf("attempt of delivery %s not made: %s", id, e.toString());
            finish(lane, id);
        }
    }

    private void record(Lane lane, Document delivery, Document subscription, int number, Instant started, WebhookSender.Result result) {
        String id = delivery.getString(ID);
        try {
            Instant now = Instant.now();
            latency.record(Duration.ofMillis(result.latencyMillis()));
            String outcome = result.success() ? "succeeded" : result.statusCode() == 410 ? "gone" : "failed";
            Document attempt = attemptDoc(number, started, result.statusCode(), result.latencyMillis(), result.responseExcerpt(),
                    result.error(), outcome);
            if (result.success()) {
                if (deliveries.recordSuccess(id, owner, attempt, Date.from(now))) {
                    succeeded.increment();
                } else {
                    LOG.warnf("delivery %s succeeded but its lease had passed to another instance", id);
                }
                return;
            }
            String error = result.error() != null ? result.error() : "HTTP " + result.statusCode();
            if (result.statusCode() == 410) {
                String reason = "endpoint answered 410 Gone at " + now;
                if (subscriptionRepository.disable(delivery.getString(SUBSCRIPTION_ID), reason)) {
                    LOG.infof("subscription %s disabled: %s", delivery.getString(SUBSCRIPTION_ID), reason);
                }
                subscriptions.invalidate();
                endFailed(id, attempt, now, "410 Gone: subscription disabled");
                return;
            }
            Duration retryAfter = result.statusCode() == 429 || result.statusCode() == 503
                    ? RetryPolicy.parseRetryAfter(result.retryAfter(), now) : null;
            int inRun = number - delivery.getInteger(SCHEDULE_BASE, 0);
            Instant next = retries.next(inRun, now, retryAfter).orElse(null);
            if (next == null) {
                endFailed(id, attempt, now, "gave up after " + inRun + " attempts; last: " + error);
                return;
            }
            if (deliveries.recordRetry(id, owner, attempt, Date.from(now), Date.from(next), error)) {
                retried.increment();
                long delay = Duration.between(Instant.now(), next).toMillis();
                if (delay < SOON.toMillis() && !stopping) {
                    // A near retry is timed here instead of waiting for the next poll; the claim still decides.
                    timer.schedule(() -> submit(lane.subscriptionId, id), Math.max(0, delay), TimeUnit.MILLISECONDS);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("result of delivery %s not recorded (the lease will expire and the attempt be made again): %s", id, e.toString());
        } finally {
            finish(lane, id);
        }
    }

    private void endFailed(String id, Document attempt, Instant now, String reason) {
        if (deliveries.recordFailure(id, owner, attempt, Date.from(now), reason)) {
            failed.increment();
            LOG.warnf("delivery %s failed for good, logged in webhook_logs: %s", id, reason);
        }
    }

    private String refusal(String url) {
        try {
            AddressGuard.Verdict verdict = guard.check(new URI(url));
            return verdict.allowed() ? null : verdict.reason();
        } catch (URISyntaxException | RuntimeException e) {
            return "not a valid URL";
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

    /** Due retries, expired leases and anything a full lane left behind. */
    @Scheduled(every = "${ordermesh.webhooks.poll-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "1s")
    void poll() {
        if (stopping) {
            return;
        }
        try {
            long start = System.nanoTime();
            List<Document> due = deliveries.due(new Date(), config.pollBatch(), busySubscriptions());
            for (Document d : due) {
                submit(d.getString(SUBSCRIPTION_ID), d.getString(ID));
            }
            if (!due.isEmpty()) {
                LOG.debugf("poll: %d due deliveries in %d ms", due.size(), (System.nanoTime() - start) / 1_000_000);
            }
        } catch (RuntimeException e) {
            LOG.warnf("poll for due deliveries failed: %s", e.toString());
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
        LOG.infof("webhook dispatcher stopped; %d attempts still in flight are left to lease expiry", inFlight.get());
        timer.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
