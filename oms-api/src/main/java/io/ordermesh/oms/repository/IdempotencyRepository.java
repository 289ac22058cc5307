package io.ordermesh.oms.repository;

import com.mongodb.MongoException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code idempotency_keys}: {@code _id} = tenant + key, so two racing requests with one key are
 * told apart by the primary key (the first insert wins), never by reading first.
 */
@Singleton
public class IdempotencyRepository {

    private final Collections collections;

    IdempotencyRepository(Collections collections) {
        this.collections = collections;
    }

    private static String id(UUID tenant, String key) {
        return tenant + "/" + key;
    }

    /** Claims the key for this request; empty when claimed now, otherwise the existing record. */
    public Optional<Document> claim(UUID tenant, String key, String bodyHash) {
        try {
            collections.idempotencyKeys().insertOne(new Document("_id", id(tenant, key))
                    .append("tenant_id", tenant.toString()).append("body_hash", bodyHash)
                    .append("state", "in_progress").append("created_at", new Date()));
            return Optional.empty();
        } catch (MongoException e) {
            if (!Collections.isDuplicateKey(e)) {
                throw e;
            }
            return Optional.ofNullable(find(tenant, key));
        }
    }

    public Document find(UUID tenant, String key) {
        return collections.idempotencyKeys().find(Filters.eq("_id", id(tenant, key))).first();
    }

    public void complete(UUID tenant, String key, int status, String responseJson, String location) {
        collections.idempotencyKeys().updateOne(Filters.eq("_id", id(tenant, key)), Updates.combine(
                Updates.set("state", "completed"), Updates.set("status_code", status),
                Updates.set("response", responseJson), Updates.set("location", location)));
    }

    /** The request failed before it had an effect: the key is free again for a corrected retry. */
    public void release(UUID tenant, String key) {
        collections.idempotencyKeys().deleteOne(Filters.and(Filters.eq("_id", id(tenant, key)), Filters.eq("state", "in_progress")));
    }
}
