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
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
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
 * The finalizer's view of MongoDB: {@code orders} (batch reads by {@code _id}, unordered bulk
 * compare-and-set writes) and {@code finalizer_retries}, one small entry per order waiting for
 * stock ({@code _id} the order's, {@code due_at}, {@code version}, {@code lease_owner}, and the
 * {@code tenant_id}, {@code hub_id}, {@code sku_ids} that {@code POST /retries} selects by, and the
 * order's {@code created_at}, so due orders are retried oldest first). Retries
 * are found and claimed there, by key, so they never read the order history; the entry's
 * {@code due_at} is the lease while an instance retries it. Fields the finalizer adds to the
 * shared order shape: {@code hold_message}, {@code next_retry_at} (when the last decision
 * scheduled the retry), {@code retry_count}, {@code allocated_at}.
 */
@Singleton
public class OrderStore {

    private static final Logger LOG = Logger.getLogger(OrderStore.class);

    public static final String HOLD_MESSAGE = "hold_message";
    public static final String NEXT_RETRY_AT = "next_retry_at";
    public static final String RETRY_COUNT = "retry_count";
    public static final String ALLOCATED_AT = "allocated_at";
    public static final String INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK";
    public static final String INVALID = "INVALID";

    public static final String RETRIES = "finalizer_retries";
    public static final String DUE_AT = "due_at";
    public static final String VERSION = "version";
    public static final String LEASE_OWNER = "lease_owner";
    public static final String SKU_IDS = "sku_ids";

    private final MongoDatabase db;

    OrderStore(MongoDatabase db) {
        this.db = db;
    }

    public MongoCollection<Document> orders() {
        return db.getCollection(OrderDocuments.COLLECTION);
    }

    public MongoCollection<Document> retries() {
        return db.getCollection(RETRIES);
    }

    void createIndexes(@Observes StartupEvent start) {
        try {
            OrderDocuments.createIndexes(orders());
            // The claim's compare-and-set filter, exactly (the embedded server needs a unique index of exactly its keys).
            retries().createIndex(Indexes.ascending(OrderDocuments.ID, VERSION), new IndexOptions().name("id_version").unique(true));
            // Real MongoDB answers the due query and POST /retries from these; the embedded server scans the small collection.
            retries().createIndex(Indexes.ascending(DUE_AT), new IndexOptions().name("due"));
            retries().createIndex(Indexes.ascending(OrderDocuments.TENANT_ID), new IndexOptions().name("tenant"));
        } catch (MongoException e) {
            LOG.warnf("index not created: %s", e.getMessage());
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

    /**
     * Held orders' retry entries due by {@code now} ({@code _id} and version), oldest order first. The
     * collection holds only orders waiting for stock, so even where this scans (the embedded server),
     * it scans the work in hand, never the order history.
     */
    public List<Document> dueRetries(Instant now, int limit) {
        return retries().find(Filters.lte(DUE_AT, Date.from(now))).sort(Sorts.ascending(OrderDocuments.CREATED_AT, OrderDocuments.ID))
                .projection(Projections.include(OrderDocuments.ID, VERSION)).limit(limit).into(new ArrayList<>());
    }

    /**
     * Claims due entries for {@code owner}: each one compare-and-set on {@code {_id, version}} as it
     * was read, which moves its {@code due_at} on to {@code leaseUntil} (so two claimers can never
     * both take it, and a crashed claimer's orders are due again when the lease ends). Answers the
     * claimed orders still waiting for stock; entries of orders that moved on are dropped.
     */
    public List<Document> claimRetries(List<Document> entries, String owner, Instant leaseUntil) {
        if (entries.isEmpty()) {
            return List.of();
        }
        List<WriteModel<Document>> claims = new ArrayList<>();
        for (Document e : entries) {
            claims.add(new UpdateOneModel<>(new Document(OrderDocuments.ID, e.getString(OrderDocuments.ID)).append(VERSION, e.get(VERSION)),
                    Updates.combine(Updates.set(DUE_AT, Date.from(leaseUntil)), Updates.set(LEASE_OWNER, owner), Updates.inc(VERSION, 1))));
        }
        List<String> ids = entries.stream().map(e -> e.getString(OrderDocuments.ID)).toList();
        List<String> claimed = new ArrayList<>(ids);
        if (retries().bulkWrite(claims, new BulkWriteOptions().ordered(false)).getMatchedCount() < entries.size()) {
            // Some were taken by another claimer since they were read: keep what carries this owner.
            claimed.clear();
            retries().find(Filters.in(OrderDocuments.ID, ids)).projection(Projections.include(LEASE_OWNER))
                    .forEach(e -> {
                        if (owner.equals(e.getString(LEASE_OWNER))) {
                            claimed.add(e.getString(OrderDocuments.ID));
                        }
                    });
        }
        Map<String, Document> orders = findByIds(claimed);
        List<Document> held = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (String id : claimed) {
            Document order = orders.get(id);
            if (order != null && OrderStatus.on_hold.name().equals(order.getString(OrderDocuments.STATUS))
                    && INSUFFICIENT_STOCK.equals(order.getString(OrderDocuments.HOLD_REASON))) {
                held.add(order);
            } else {
                stale.add(id); // allocated, cancelled or invalid meanwhile
            }
        }
        forgetRetries(stale);
        return held;
    }

    /**
     * Schedules the next retry of orders held for stock: their entry (created if new) is due at
     * {@code next}, with the tenant, hub and SKUs that {@code POST /retries} selects by. Written
     * before the hold itself, so a crash in between leaves an entry (judged when claimed), never a
     * held order without one.
     */
    public void scheduleRetries(List<Document> orders, Map<String, Instant> next) {
        if (orders.isEmpty()) {
            return;
        }
        List<WriteModel<Document>> upserts = new ArrayList<>();
        for (Document o : orders) {
            String id = o.getString(OrderDocuments.ID);
            List<String> skus = o.getList(OrderDocuments.ITEMS, Document.class).stream().map(i -> i.getString("sku_id")).toList();
            upserts.add(new UpdateOneModel<>(Filters.eq(OrderDocuments.ID, id), Updates.combine(
                    Updates.set(DUE_AT, Date.from(next.get(id))), Updates.set(OrderDocuments.TENANT_ID, o.getString(OrderDocuments.TENANT_ID)),
                    Updates.set(OrderDocuments.HUB_ID, o.getString(OrderDocuments.HUB_ID)), Updates.set(SKU_IDS, skus),
                    Updates.set(OrderDocuments.CREATED_AT, o.getDate(OrderDocuments.CREATED_AT)),
                    Updates.unset(LEASE_OWNER), Updates.inc(VERSION, 1)), new UpdateOptions().upsert(true)));
        }
        retries().bulkWrite(upserts, new BulkWriteOptions().ordered(false));
    }

    /** Drops the retry entries of orders no longer waiting for stock (by {@code _id}; absent ones are fine). */
    public void forgetRetries(Collection<String> ids) {
        if (!ids.isEmpty()) {
            retries().deleteMany(Filters.in(OrderDocuments.ID, new ArrayList<>(ids)));
        }
    }

    /** Makes a tenant's orders waiting for stock (optionally of one hub and/or some SKUs) due now; answers how many. */
    public long makeDue(UUID tenant, UUID hub, List<UUID> skus, Instant now) {
        List<Bson> f = new ArrayList<>(List.of(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString())));
        if (hub != null) {
            f.add(Filters.eq(OrderDocuments.HUB_ID, hub.toString()));
        }
        if (skus != null && !skus.isEmpty()) {
            f.add(Filters.in(SKU_IDS, skus.stream().map(UUID::toString).toList()));
        }
        return retries().updateMany(Filters.and(f), Updates.set(DUE_AT, Date.from(now))).getMatchedCount();
    }
}
