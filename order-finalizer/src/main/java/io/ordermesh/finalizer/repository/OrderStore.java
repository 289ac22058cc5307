package io.ordermesh.finalizer.repository;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.Outbox;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The finalizer's view of MongoDB {@code orders}: batch reads by {@code _id}, unordered bulk
 * compare-and-set writes, and the lease that lets one instance at a time retry a held order.
 * Fields it adds to the shared order shape: {@code hold_message}, {@code next_retry_at},
 * {@code retry_count}, {@code lease_owner}, {@code lease_until}, {@code allocated_at}.
 */
@Singleton
public class OrderStore {

    private static final Logger LOG = Logger.getLogger(OrderStore.class);

    public static final String HOLD_MESSAGE = "hold_message";
    public static final String NEXT_RETRY_AT = "next_retry_at";
    public static final String RETRY_COUNT = "retry_count";
    public static final String LEASE_OWNER = "lease_owner";
    public static final String LEASE_UNTIL = "lease_until";
    public static final String ALLOCATED_AT = "allocated_at";
    public static final String INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK";
    public static final String INVALID = "INVALID";

    private final MongoDatabase db;

    OrderStore(MongoDatabase db) {
        this.db = db;
    }

    public MongoCollection<Document> orders() {
        return db.getCollection(OrderDocuments.COLLECTION);
    }

    void createIndexes(@Observes StartupEvent start) {
        // Production runs on real MongoDB, where these carry the retry queries; the embedded server may ignore some.
        index(Indexes.ascending(OrderDocuments.STATUS, OrderDocuments.HOLD_REASON, NEXT_RETRY_AT), "retry_due");
        index(Indexes.ascending(LEASE_OWNER), "retry_lease");
        try {
            Outbox.createIndex(orders());
            OrderDocuments.createStatusIndex(orders());
        } catch (MongoException e) {
            LOG.warnf("index on orders not created: %s", e.getMessage());
        }
    }

    private void index(Bson keys, String name) {
        try {
            orders().createIndex(keys, new IndexOptions().name(name).sparse(true));
        } catch (MongoException e) {
            LOG.warnf("index %s on orders not created: %s", name, e.getMessage());
        }
    }

    /** The documents of these ids that exist, by id. */
    public Map<String, Document> findByIds(Collection<String> ids) {
        Map<String, Document> found = new HashMap<>();
        List<String> all = new ArrayList<>(ids);
        for (int i = 0; i < all.size(); i += 1000) {
            for (Document d : orders().find(Filters.in(OrderDocuments.ID, all.subList(i, Math.min(all.size(), i + 1000))))
                    .projection(Projections.exclude(OrderDocuments.PENDING_EVENTS))) {
                found.put(d.getString(OrderDocuments.ID), d);
            }
        }
        return found;
    }

    /**
     * Applies the compare-and-set updates in one unordered bulk write and answers how many matched.
     * Throws when MongoDB did not acknowledge them all (the caller retries the whole batch: every
     * update is a compare-and-set, so applying one twice changes nothing).
     */
    public int bulkUpdate(List<UpdateOneModel<Document>> updates) {
        if (updates.isEmpty()) {
            return 0;
        }
        List<WriteModel<Document>> models = new ArrayList<>(updates);
        return orders().bulkWrite(models, new BulkWriteOptions().ordered(false)).getMatchedCount();
    }

    /** Status and the ids of pending events, for working out which compare-and-sets took. */
    public Map<String, Document> statusAndPending(Collection<String> ids) {
        Map<String, Document> found = new HashMap<>();
        for (Document d : orders().find(Filters.in(OrderDocuments.ID, new ArrayList<>(ids)))
                .projection(Projections.include(OrderDocuments.STATUS, OrderDocuments.PENDING_EVENTS + ".event_id"))) {
            found.put(d.getString(OrderDocuments.ID), d);
        }
        return found;
    }

    static Bson due(Instant now) {
        return Filters.and(Filters.eq(OrderDocuments.STATUS, OrderStatus.on_hold.name()),
                Filters.eq(OrderDocuments.HOLD_REASON, INSUFFICIENT_STOCK),
                Filters.lte(NEXT_RETRY_AT, Date.from(now)),
                Filters.or(Filters.exists(LEASE_UNTIL, false), Filters.eq(LEASE_UNTIL, null), Filters.lt(LEASE_UNTIL, Date.from(now))));
    }

    /**
     * Claims up to {@code limit} due held orders, oldest first, for {@code owner} until
     * {@code leaseUntil}: candidates are read, then taken with one compare-and-set update that
     * repeats the due-and-unleased condition, so two instances can never both hold one order; what
     * this owner really got is read back by owner token.
     */
    public List<Document> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
        List<String> candidates = new ArrayList<>();
        for (Document d : orders().find(due(now)).sort(Sorts.ascending(OrderDocuments.CREATED_AT, OrderDocuments.ID))
                .projection(Projections.include(OrderDocuments.ID)).limit(limit)) {
            candidates.add(d.getString(OrderDocuments.ID));
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        orders().updateMany(Filters.and(Filters.in(OrderDocuments.ID, candidates), due(now)),
                Updates.combine(Updates.set(LEASE_OWNER, owner), Updates.set(LEASE_UNTIL, Date.from(leaseUntil))));
        List<Document> claimed = new ArrayList<>();
        orders().find(Filters.and(Filters.in(OrderDocuments.ID, candidates), Filters.eq(LEASE_OWNER, owner)))
                .projection(Projections.exclude(OrderDocuments.PENDING_EVENTS)).into(claimed);
        return claimed;
    }

    /** Gives back a claim without a decision (IMS unavailable): due again once the lease would have ended anyway. */
    public void releaseClaim(String owner, Collection<String> ids) {
        orders().updateMany(Filters.and(Filters.in(OrderDocuments.ID, new ArrayList<>(ids)), Filters.eq(LEASE_OWNER, owner)),
                Updates.combine(Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)));
    }

    /** Makes a tenant's held orders (optionally of one hub and/or some SKUs) due now; answers how many. */
    public long makeDue(UUID tenant, UUID hub, List<UUID> skus, Instant now) {
        List<Bson> f = new ArrayList<>(List.of(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()),
                Filters.eq(OrderDocuments.STATUS, OrderStatus.on_hold.name()),
                Filters.eq(OrderDocuments.HOLD_REASON, INSUFFICIENT_STOCK)));
        if (hub != null) {
            f.add(Filters.eq(OrderDocuments.HUB_ID, hub.toString()));
        }
        if (skus != null && !skus.isEmpty()) {
            f.add(Filters.in(OrderDocuments.ITEMS + ".sku_id", skus.stream().map(UUID::toString).toList()));
        }
        return orders().updateMany(Filters.and(f), Updates.set(NEXT_RETRY_AT, Date.from(now))).getModifiedCount();
    }
}
