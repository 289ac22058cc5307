package io.ordermesh.oms.repository;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.ordermesh.oms.config.OmsConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;

/** The collections of MongoDB {@code oms} and their indexes, created at start-up. */
@Singleton
public class Collections {

    private static final Logger LOG = Logger.getLogger(Collections.class);
    public static final String IDEMPOTENCY_KEYS = "idempotency_keys";

    private final MongoDatabase db;
    private final OmsConfig config;

    Collections(MongoDatabase db, OmsConfig config) {
        this.db = db;
        this.config = config;
    }

    public MongoCollection<Document> orders() {
        return db.getCollection(OrderDocuments.COLLECTION);
    }

    public MongoCollection<Document> uploads() {
        return db.getCollection(UploadDocuments.COLLECTION);
    }

    public MongoCollection<Document> webhooks() {
        return db.getCollection(WebhookDocuments.COLLECTION);
    }

    public MongoCollection<Document> idempotencyKeys() {
        return db.getCollection(IDEMPOTENCY_KEYS);
    }

    void createIndexes(@Observes StartupEvent start) {
        // Production runs on real MongoDB, where these carry every query; the embedded server may ignore some.
        index(orders(), Indexes.ascending("tenant_id", "order_id"), new IndexOptions().unique(true).name("tenant_order_unique"));
        index(orders(), Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("created_at", "_id")), new IndexOptions().name("tenant_created"));
        index(orders(), Indexes.compoundIndex(Indexes.ascending("tenant_id", "status"), Indexes.descending("created_at", "_id")), new IndexOptions().name("tenant_status_created"));
        index(orders(), Indexes.compoundIndex(Indexes.ascending("tenant_id", "seller_id"), Indexes.descending("created_at", "_id")), new IndexOptions().name("tenant_seller_created"));
        index(orders(), Indexes.compoundIndex(Indexes.ascending("tenant_id", "hub_id"), Indexes.descending("created_at", "_id")), new IndexOptions().name("tenant_hub_created"));
        index(orders(), Indexes.ascending("release_state", "updated_at"), new IndexOptions().sparse(true).name("release_pending"));
        try {
            OrderDocuments.createIndexes(orders());
        } catch (MongoException e) {
            LOG.warnf("index on orders not created: %s", e.getMessage());
        }
        index(uploads(), Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("created_at")), new IndexOptions().name("tenant_created"));
        index(uploads(), Indexes.ascending("status", "message_sent_at", "created_at"), new IndexOptions().name("unsent_messages"));
        index(webhooks(), Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("created_at", "_id")), new IndexOptions().name("tenant_created"));
        index(webhooks(), Indexes.ascending("tenant_id", "active", "events"), new IndexOptions().name("tenant_active_events"));
        index(idempotencyKeys(), Indexes.ascending("created_at"),
                new IndexOptions().name("expire").expireAfter(config.idempotency().retention().toSeconds(), TimeUnit.SECONDS));
    }

    private static void index(MongoCollection<Document> c, Bson keys, IndexOptions options) {
        try {
            c.createIndex(keys, options);
        } catch (MongoException e) {
            LOG.warnf("index %s on %s not created: %s", options.getName(), c.getNamespace(), e.getMessage());
        }
    }

    public static boolean isDuplicateKey(MongoException e) {
        return e instanceof MongoWriteException w ? w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY
                : e.getCode() == 11000;
    }
}
