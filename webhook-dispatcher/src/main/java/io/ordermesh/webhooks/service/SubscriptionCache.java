package io.ordermesh.webhooks.service;

import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.webhooks.config.DispatcherConfig;
import io.ordermesh.webhooks.repository.SubscriptionRepository;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subscriptions in memory, so fan-out does not query MongoDB per event. Entries live for a short
 * TTL; besides, a poll of the collection's fingerprint (count + newest {@code updated_at}, see
 * {@link SubscriptionRepository#version}) clears everything as soon as oms-api changes any
 * subscription. Change streams would be the push alternative, but the embedded MongoDB-compatible
 * server has none, and the poll is one tiny indexed query per second for the whole instance.
 */
@Singleton
public class SubscriptionCache {

    private static final Logger LOG = Logger.getLogger(SubscriptionCache.class);

    private record Entry<T>(T value, long loadedAtNanos) {
    }

    private final SubscriptionRepository subscriptions;
    private final long ttlNanos;
    private final Map<String, Entry<List<Document>>> byTenant = new ConcurrentHashMap<>();
    private final Map<String, Entry<Optional<Document>>> byId = new ConcurrentHashMap<>();
    private volatile String version;

    SubscriptionCache(SubscriptionRepository subscriptions, DispatcherConfig config) {
        this.subscriptions = subscriptions;
        this.ttlNanos = config.subscriptionCacheTtl().toNanos();
    }

    /** The tenant's active subscriptions to an event type. */
    public List<Document> forEvent(String tenantId, String eventType) {
        long now = System.nanoTime();
        Entry<List<Document>> e = byTenant.get(tenantId);
        if (e == null || now - e.loadedAtNanos() > ttlNanos) {
            e = new Entry<>(List.copyOf(subscriptions.active(tenantId)), now);
            byTenant.put(tenantId, e);
        }
        return e.value().stream().filter(d -> {
            List<String> events = d.getList(WebhookDocuments.EVENTS, String.class);
            return events != null && events.contains(eventType);
        }).toList();
    }

    /** One subscription (active or not), as the sender needs it: URL and secrets. */
    public Optional<Document> byId(String id) {
        long now = System.nanoTime();
        Entry<Optional<Document>> e = byId.get(id);
        if (e == null || now - e.loadedAtNanos() > ttlNanos) {
            e = new Entry<>(subscriptions.byId(id), now);
            byId.put(id, e);
        }
        return e.value();
    }

    public void invalidate() {
        byTenant.clear();
        byId.clear();
    }

    @Scheduled(every = "${ordermesh.webhooks.subscription-version-poll-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void pollVersion() {
        try {
            String current = subscriptions.version();
            if (!current.equals(version)) {
                if (version != null) {
                    LOG.debugf("webhooks changed (%s -> %s): subscription cache cleared", version, current);
                }
                version = current;
                invalidate();
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot poll webhooks for changes: %s", e.getMessage());
        }
    }
}
