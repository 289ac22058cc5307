package io.ordermesh.webhooks.repository;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.webhooks.WebhookDocuments;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/** Subscriptions in {@code webhooks} as oms-api writes them; this service only reads them and disables on 410. */
@Singleton
public class SubscriptionRepository {

    private final Collections collections;

    SubscriptionRepository(Collections collections) {
        this.collections = collections;
    }

    /** Every active subscription of a tenant (all event types: the cache filters by type). */
    public List<Document> active(String tenantId) {
        return collections.webhooks().find(Filters.and(Filters.eq(WebhookDocuments.TENANT_ID, tenantId),
                Filters.eq(WebhookDocuments.ACTIVE, true))).into(new ArrayList<>());
    }

    public Optional<Document> byId(String id) {
        return Optional.ofNullable(collections.webhooks().find(Filters.eq(WebhookDocuments.ID, id)).first());
    }

    public Optional<Document> find(String tenantId, String id) {
        return Optional.ofNullable(collections.webhooks().find(Filters.and(Filters.eq(WebhookDocuments.ID, id),
                Filters.eq(WebhookDocuments.TENANT_ID, tenantId))).first());
    }

    /** 410 Gone: the endpoint asked to be forgotten. Only an active subscription is changed. */
    public boolean disable(String id, String reason) {
        return collections.webhooks().updateOne(Filters.and(Filters.eq(WebhookDocuments.ID, id), Filters.eq(WebhookDocuments.ACTIVE, true)),
                Updates.combine(Updates.set(WebhookDocuments.ACTIVE, false), Updates.set(WebhookDocuments.DISABLED_REASON, reason),
                        Updates.set(WebhookDocuments.UPDATED_AT, new Date()))).getModifiedCount() == 1;
    }

    /**
     * A cheap fingerprint of the whole collection: number of documents and the newest
     * {@code updated_at}. Any create, update or delete by oms-api changes it.
     */
    public String version() {
        long count = collections.webhooks().countDocuments();
        Document newest = collections.webhooks().find().sort(Sorts.descending(WebhookDocuments.UPDATED_AT))
                .projection(Projections.include(WebhookDocuments.UPDATED_AT)).limit(1).first();
        Date at = newest == null ? null : newest.getDate(WebhookDocuments.UPDATED_AT);
        return count + "/" + (at == null ? 0 : at.getTime());
    }
}
