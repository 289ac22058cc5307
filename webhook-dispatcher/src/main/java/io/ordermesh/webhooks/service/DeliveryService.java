package io.ordermesh.webhooks.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.webhooks.repository.DeliveryRepository;
import io.ordermesh.webhooks.repository.SubscriptionRepository;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * The attempt log and replay of a tenant's subscription. Every call first finds the subscription
 * by tenant and id, so another tenant's subscription or delivery answers 404.
 */
@Singleton
public class DeliveryService {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(int number, Instant at, Integer statusCode, long latencyMs, String responseExcerpt, String error,
                              String outcome) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeliveryView(String id, String subscriptionId, String eventId, String eventType, String orderId, String status,
                               int attemptCount, Instant nextAttemptAt, String lastError, Instant createdAt, Instant deliveredAt,
                               Instant failedAt, List<AttemptView> attempts) {
    }

    public record RecoverResult(int requeued) {
    }

    private final SubscriptionRepository subscriptions;
    private final DeliveryRepository deliveries;
    private final Dispatcher dispatcher;

    DeliveryService(SubscriptionRepository subscriptions, DeliveryRepository deliveries, Dispatcher dispatcher) {
        this.subscriptions = subscriptions;
        this.deliveries = deliveries;
        this.dispatcher = dispatcher;
    }

    public Page<DeliveryView> list(String tenantHeader, String subscriptionId, Integer limit, String cursor) {
        String tenant = tenant(tenantHeader);
        requireSubscription(tenant, subscriptionId);
        int n = Page.limit(limit);
        String position = Page.decode(cursor);
        Date afterAt = null;
        String afterId = null;
        if (position != null) {
            int bar = position.indexOf('|');
            try {
                afterAt = new Date(Long.parseLong(position.substring(0, bar)));
                afterId = position.substring(bar + 1);
            } catch (RuntimeException e) {
                throw ProblemException.badRequest("cursor is not valid; use next_cursor from a previous page");
            }
        }
        List<Document> rows = deliveries.list(tenant, subscriptionId, afterAt, afterId, n);
        Page<Document> page = Page.of(rows, n, d -> d.getDate(CREATED_AT).getTime() + "|" + d.getString(ID));
        return new Page<>(page.items().stream().map(DeliveryService::view).toList(), page.nextCursor());
    }

    public DeliveryView get(String tenantHeader, String subscriptionId, String deliveryId) {
        String tenant = tenant(tenantHeader);
        requireSubscription(tenant, subscriptionId);
        return deliveries.find(tenant, subscriptionId, deliveryId).map(DeliveryService::view)
                .orElseThrow(() -> ProblemException.notFound("delivery", deliveryId));
    }

    /** Replays one delivery now: same {@code webhook-id}, same body, a fresh retry schedule. */
    public DeliveryView retry(String tenantHeader, String subscriptionId, String deliveryId) {
        String tenant = tenant(tenantHeader);
        requireActive(requireSubscription(tenant, subscriptionId));
        Document d = deliveries.find(tenant, subscriptionId, deliveryId).orElseThrow(() -> ProblemException.notFound("delivery", deliveryId));
        if (!deliveries.requeue(d, new Date())) {
            throw ProblemException.conflict("delivery " + deliveryId + " has an attempt in flight; try again when it has finished");
        }
        dispatcher.submit(subscriptionId, deliveryId);
        return deliveries.find(tenant, subscriptionId, deliveryId).map(DeliveryService::view).orElseThrow();
    }

    /** Queues again every failed delivery of the subscription created at or after {@code since}. */
    public RecoverResult recover(String tenantHeader, String subscriptionId, String since) {
        String tenant = tenant(tenantHeader);
        requireActive(requireSubscription(tenant, subscriptionId));
        if (since == null || since.isBlank()) {
            throw ProblemException.unprocessable("since is required", List.of(new Problem.FieldError("since", "is required (ISO-8601 instant)")));
        }
        Date from;
        try {
            from = Date.from(Instant.parse(since));
        } catch (DateTimeParseException e) {
            throw ProblemException.unprocessable("since is not an ISO-8601 instant",
                    List.of(new Problem.FieldError("since", "must be an ISO-8601 instant such as 2026-01-31T00:00:00Z")));
        }
        Date now = new Date();
        int n = 0;
        for (Document d : deliveries.failedSince(tenant, subscriptionId, from)) {
            if (deliveries.requeue(d, now)) {
                n++;
                dispatcher.submit(subscriptionId, d.getString(ID));
            }
        }
        return new RecoverResult(n);
    }

    private static String tenant(String header) {
        if (header == null || header.isBlank()) {
            throw ProblemException.badRequest("X-Tenant-ID header is required");
        }
        try {
            return UUID.fromString(header.trim()).toString();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("X-Tenant-ID must be a tenant id (UUID)");
        }
    }

    private Document requireSubscription(String tenant, String id) {
        return subscriptions.find(tenant, id).orElseThrow(() -> ProblemException.notFound("webhook", id));
    }

    private static void requireActive(Document subscription) {
        if (!subscription.getBoolean(WebhookDocuments.ACTIVE, true)) {
            throw ProblemException.conflict("webhook " + subscription.getString(WebhookDocuments.ID)
                    + " is not active; re-activate it (PUT /webhooks/{id} on oms-api) before replaying");
        }
    }

    private static DeliveryView view(Document d) {
        List<AttemptView> attempts = d.getList(ATTEMPTS, Document.class, List.of()).stream().map(a -> new AttemptView(
                a.getInteger(A_NUMBER, 0), instant(a.getDate(A_AT)), a.getInteger(A_STATUS_CODE),
                a.get(A_LATENCY_MS) instanceof Number n ? n.longValue() : 0, a.getString(A_RESPONSE), a.getString(A_ERROR),
                a.getString(A_OUTCOME))).toList();
        return new DeliveryView(d.getString(ID), d.getString(SUBSCRIPTION_ID), d.getString(EVENT_ID), d.getString(EVENT_TYPE),
                d.getString(ORDER_ID), d.getString(STATUS), d.getInteger(ATTEMPT_COUNT, 0), instant(d.getDate(NEXT_ATTEMPT_AT)),
                d.getString(LAST_ERROR), instant(d.getDate(CREATED_AT)), instant(d.getDate(DELIVERED_AT)), instant(d.getDate(FAILED_AT)),
                attempts);
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }
}
