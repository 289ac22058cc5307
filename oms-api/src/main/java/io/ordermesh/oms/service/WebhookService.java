package io.ordermesh.oms.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.net.AddressGuard;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.oms.client.Catalogue;
import io.ordermesh.oms.config.OmsConfig;
import io.ordermesh.oms.repository.Cursor;
import io.ordermesh.oms.repository.WebhookRepository;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Webhook subscriptions. The secret is {@code whsec_} + base64 of random bytes, shown on create and
 * rotate only. Callback URLs must pass the {@link AddressGuard} (https; no internal addresses
 * unless the operator allow-lists the host).
 */
@Singleton
public class WebhookService {

    public static final Set<String> EVENT_TYPES = Set.of(OrderEvent.CREATED, OrderEvent.UPDATED);
    private static final SecureRandom RANDOM = new SecureRandom();

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WebhookView(String id, String url, List<String> events, boolean active, String description,
                              String secret, Instant previousSecretExpiresAt, String disabledReason,
                              Instant createdAt, Instant updatedAt) {
    }

    private final Catalogue catalogue;
    private final WebhookRepository webhooks;
    private final AddressGuard guard;
    private final OmsConfig config;

    WebhookService(Catalogue catalogue, WebhookRepository webhooks, AddressGuard guard, OmsConfig config) {
        this.catalogue = catalogue;
        this.webhooks = webhooks;
        this.guard = guard;
        this.config = config;
    }

    public WebhookView create(String tenantHeader, WebhookRequest request) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        List<String> events = validate(request);
        Date now = new Date();
        String secret = newSecret();
        Document d = new Document(WebhookDocuments.ID, UUID.randomUUID().toString())
                .append(WebhookDocuments.TENANT_ID, tenant.toString())
                .append(WebhookDocuments.URL, request.url().trim())
                .append(WebhookDocuments.EVENTS, events)
                .append(WebhookDocuments.ACTIVE, request.active() == null || request.active())
                .append(WebhookDocuments.DESCRIPTION, request.description())
                .append(WebhookDocuments.SECRET, secret)
                .append(WebhookDocuments.CREATED_AT, now)
                .append(WebhookDocuments.UPDATED_AT, now);
        webhooks.insert(d);
        return view(d, true);
    }

    public Page<WebhookView> list(String tenantHeader, Integer limit, String cursor) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        int n = Page.limit(limit);
        List<Document> docs = webhooks.list(tenant, Cursor.decode(cursor), n);
        return Page.of(docs, n, Cursor::position).map(d -> view(d, false));
    }

    public WebhookView get(String tenantHeader, String id) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        return webhooks.find(tenant, id).map(d -> view(d, false)).orElseThrow(() -> ProblemException.notFound("webhook", id));
    }

    public WebhookView replace(String tenantHeader, String id, WebhookRequest request) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        List<String> events = validate(request);
        boolean active = request.active() == null || request.active();
        var update = new ArrayList<>(List.of(
                Updates.set(WebhookDocuments.URL, request.url().trim()),
                Updates.set(WebhookDocuments.EVENTS, events),
                Updates.set(WebhookDocuments.ACTIVE, active),
                Updates.set(WebhookDocuments.DESCRIPTION, request.description()),
                Updates.set(WebhookDocuments.UPDATED_AT, new Date())));
        if (active) {
            // Re-activating by hand clears the dispatcher's 410 verdict.
            update.add(Updates.unset(WebhookDocuments.DISABLED_REASON));
        }
        return webhooks.update(tenant, id, Updates.combine(update)).map(d -> view(d, false))
                .orElseThrow(() -> ProblemException.notFound("webhook", id));
    }

    public void delete(String tenantHeader, String id) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        if (!webhooks.delete(tenant, id)) {
            throw ProblemException.notFound("webhook", id);
        }
    }

    /** New secret now; the previous one stays valid (and signed with) for the configured overlap. */
    public WebhookView rotateSecret(String tenantHeader, String id) {
        UUID tenant = catalogue.requireTenant(tenantHeader);
        Document current = webhooks.find(tenant, id).orElseThrow(() -> ProblemException.notFound("webhook", id));
        Instant expires = Instant.now().plus(config.webhooks().secretOverlap()).truncatedTo(ChronoUnit.MILLIS);
        return webhooks.update(tenant, id, Updates.combine(
                        Updates.set(WebhookDocuments.PREVIOUS_SECRET, current.getString(WebhookDocuments.SECRET)),
                        Updates.set(WebhookDocuments.PREVIOUS_SECRET_EXPIRES_AT, Date.from(expires)),
                        Updates.set(WebhookDocuments.SECRET, newSecret()),
                        Updates.set(WebhookDocuments.UPDATED_AT, new Date())))
                .map(d -> view(d, true)).orElseThrow(() -> ProblemException.notFound("webhook", id));
    }

    private List<String> validate(WebhookRequest request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Set<String> events = new LinkedHashSet<>();
        for (int i = 0; i < request.events().size(); i++) {
            String e = request.events().get(i);
            if (!EVENT_TYPES.contains(e)) {
                errors.add(new Problem.FieldError("events[" + i + "]", "unknown event type '" + e + "'; known: order.created, order.updated"));
            }
            events.add(e);
        }
        try {
            AddressGuard.Verdict verdict = guard.check(new URI(request.url().trim()));
            if (!verdict.allowed()) {
                errors.add(new Problem.FieldError("url", verdict.reason()));
            }
        } catch (URISyntaxException e) {
            errors.add(new Problem.FieldError("url", "is not a valid URL"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.unprocessable(errors.stream().map(e -> e.field() + ": " + e.message())
                    .reduce((a, b) -> a + "; " + b).orElse(""), errors);
        }
        return List.copyOf(events);
    }

    private String newSecret() {
        byte[] key = new byte[Math.max(24, config.webhooks().secretBytes())];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    private static WebhookView view(Document d, boolean withSecret) {
        Date prev = d.getDate(WebhookDocuments.PREVIOUS_SECRET_EXPIRES_AT);
        return new WebhookView(d.getString(WebhookDocuments.ID), d.getString(WebhookDocuments.URL),
                d.getList(WebhookDocuments.EVENTS, String.class), d.getBoolean(WebhookDocuments.ACTIVE, true),
                d.getString(WebhookDocuments.DESCRIPTION), withSecret ? d.getString(WebhookDocuments.SECRET) : null,
                prev == null || prev.before(new Date()) ? null : prev.toInstant(), d.getString(WebhookDocuments.DISABLED_REASON),
                d.getDate(WebhookDocuments.CREATED_AT).toInstant(), d.getDate(WebhookDocuments.UPDATED_AT).toInstant());
    }
}
