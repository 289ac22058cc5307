package io.ordermesh.oms.repository;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import io.ordermesh.common.webhooks.WebhookDocuments;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Webhook subscriptions ({@code webhooks}), always addressed by tenant and id. */
@Singleton
public class WebhookRepository {

    private final Collections collections;

    WebhookRepository(Collections collections) {
        this.collections = collections;
    }

    private static Bson own(UUID tenant, String id) {
        return Filters.and(Filters.eq(WebhookDocuments.ID, id), Filters.eq(WebhookDocuments.TENANT_ID, tenant.toString()));
    }

    public void insert(Document d) {
        collections.webhooks().insertOne(d);
    }

    public Optional<Document> find(UUID tenant, String id) {
        return Optional.ofNullable(collections.webhooks().find(own(tenant, id)).first());
    }

    public List<Document> list(UUID tenant, Cursor after, int limit) {
        Bson filter = Filters.eq(WebhookDocuments.TENANT_ID, tenant.toString());
        if (after != null) {
            filter = Filters.and(filter, after.filter());
        }
        return collections.webhooks().find(filter).sort(Sorts.descending(WebhookDocuments.CREATED_AT, "_id"))
                .limit(limit + 1).into(new ArrayList<>());
    }

    public Optional<Document> update(UUID tenant, String id, Bson update) {
        return Optional.ofNullable(collections.webhooks().findOneAndUpdate(own(tenant, id), update,
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
    }

    public boolean delete(UUID tenant, String id) {
        return collections.webhooks().deleteOne(own(tenant, id)).getDeletedCount() == 1;
    }
}
