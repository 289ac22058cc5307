package io.ordermesh.webhooks.repository;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.ordermesh.common.webhooks.WebhookDocuments;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.jboss.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The collections of MongoDB {@code oms} this service reads and writes; indexes created at start-up. */
@Singleton
public class Collections {

    private static final Logger LOG = Logger.getLogger(Collections.class);

    private final MongoClient mongo;
    private final String database;

    Collections(MongoClient mongo, @ConfigProperty(name = "quarkus.mongodb.database") String database) {
        this.mongo = mongo;
        this.database = database;
    }

    public MongoCollection<Document> webhooks() {
        return mongo.getDatabase(database).getCollection(WebhookDocuments.COLLECTION);
    }

    public MongoCollection<Document> deliveries() {
        return mongo.getDatabase(database).getCollection(DeliveryDocuments.COLLECTION);
    }

    public MongoCollection<Document> due() {
        return mongo.getDatabase(database).getCollection(DeliveryDocuments.DUE);
    }

    public MongoCollection<Document> logs() {
        return mongo.getDatabase(database).getCollection(DeliveryDocuments.LOGS);
    }

    /**
     * The embedded server ignores non-unique indexes, production MongoDB needs them: the poller's due and
     * expired-lease queries, the per-subscription attempt log, fan-out's subscription lookup.
     */
    void createIndexes(@Observes StartupEvent start) {
        // Every change of a delivery is a compare-and-set on {_id, version}. Real MongoDB serves that
        // from the _id index alone; the embedded server only uses an index whose keys are exactly the
        // filter's (otherwise it scans the collection), so this unique index keeps those writes O(1) there.
        index(deliveries(), Indexes.ascending(DeliveryDocuments.ID, DeliveryDocuments.VERSION),
                new IndexOptions().name("id_version").unique(true));
        index(deliveries(), Indexes.ascending(DeliveryDocuments.STATUS, DeliveryDocuments.NEXT_ATTEMPT_AT),
                new IndexOptions().name("status_next_attempt_at"));
        index(deliveries(), Indexes.ascending(DeliveryDocuments.STATUS, DeliveryDocuments.LEASE_UNTIL),
                new IndexOptions().name("status_lease_until"));
        index(deliveries(), Indexes.compoundIndex(Indexes.ascending(DeliveryDocuments.SUBSCRIPTION_ID),
                Indexes.descending(DeliveryDocuments.CREATED_AT, DeliveryDocuments.ID)), new IndexOptions().name("subscription_created_at"));
        index(due(), Indexes.ascending(DeliveryDocuments.DUE_AT), new IndexOptions().name("due_at"));
        index(logs(), Indexes.compoundIndex(Indexes.ascending(DeliveryDocuments.SUBSCRIPTION_ID),
                Indexes.descending(DeliveryDocuments.FAILED_AT)), new IndexOptions().name("subscription_failed_at"));
        // Same name and keys as oms-api creates, so whichever starts first wins and the other is a no-op.
        index(webhooks(), Indexes.ascending(WebhookDocuments.TENANT_ID, WebhookDocuments.ACTIVE, WebhookDocuments.EVENTS),
                new IndexOptions().name("tenant_active_events"));
        index(webhooks(), Indexes.descending(WebhookDocuments.UPDATED_AT), new IndexOptions().name("updated_at"));
    }

    private static void index(MongoCollection<Document> c, Bson keys, IndexOptions options) {
        try {
            c.createIndex(keys, options);
        } catch (MongoException e) {
            LOG.warnf("index %s on %s not created: %s", options.getName(), c.getNamespace(), e.getMessage());
        }
    }
}
