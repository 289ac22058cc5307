package io.ordermesh.webhooks.repository;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * {@code webhook_deliveries} and {@code webhook_logs}. Every state change is a single-document
 * compare-and-set: a claim only succeeds on a due pending delivery (or one whose lease expired),
 * and an attempt's result is only recorded by the lease owner.
 */
@Singleton
public class DeliveryRepository {

    private final Collections collections;

    DeliveryRepository(Collections collections) {
        this.collections = collections;
    }

    /**
     * Inserts new deliveries in one unordered bulk write; ids that already exist (a redelivered
     * record) are skipped. Answers the ids that were really inserted.
     */
    public List<String> insertNew(List<Document> deliveries) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        try {
            collections.deliveries().insertMany(deliveries, new InsertManyOptions().ordered(false));
            return deliveries.stream().map(d -> d.getString(ID)).toList();
        } catch (MongoBulkWriteException e) {
            Set<Integer> duplicates = new HashSet<>();
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCode() != 11000) {
                    throw e;
                }
                duplicates.add(error.getIndex());
            }
            List<String> inserted = new ArrayList<>();
            for (int i = 0; i < deliveries.size(); i++) {
                if (!duplicates.contains(i)) {
                    inserted.add(deliveries.get(i).getString(ID));
                }
            }
            return inserted;
        }
    }

    /** Claims a due delivery for one attempt, or takes over one whose claimant died (lease expired). */
    public Optional<Document> claim(String id, String owner, Date now, Date leaseUntil) {
        Bson claimable = Filters.or(
                Filters.and(Filters.eq(STATUS, PENDING), Filters.lte(NEXT_ATTEMPT_AT, now)),
                Filters.and(Filters.eq(STATUS, IN_FLIGHT), Filters.lte(LEASE_UNTIL, now)));
        return Optional.ofNullable(collections.deliveries().findOneAndUpdate(Filters.and(Filters.eq(ID, id), claimable),
                Updates.combine(Updates.set(STATUS, IN_FLIGHT), Updates.set(LEASE_OWNER, owner), Updates.set(LEASE_UNTIL, leaseUntil),
                        Updates.set(UPDATED_AT, now)),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
    }

    /** Due retries and expired leases (id and subscription only), oldest first, skipping busy subscriptions. */
    public List<Document> due(Date now, int limit, Collection<String> skipSubscriptions) {
        Bson skip = skipSubscriptions.isEmpty() ? new Document() : Filters.nin(SUBSCRIPTION_ID, skipSubscriptions);
        List<Document> out = collections.deliveries()
                .find(Filters.and(Filters.eq(STATUS, PENDING), Filters.lte(NEXT_ATTEMPT_AT, now), skip))
                .projection(Projections.include(ID, SUBSCRIPTION_ID)).sort(Sorts.ascending(NEXT_ATTEMPT_AT)).limit(limit)
                .into(new ArrayList<>());
        if (out.size() < limit) {
            collections.deliveries().find(Filters.and(Filters.eq(STATUS, IN_FLIGHT), Filters.lte(LEASE_UNTIL, now), skip))
                    .projection(Projections.include(ID, SUBSCRIPTION_ID)).limit(limit - out.size()).into(out);
        }
        return out;
    }

    private static Bson owned(String id, String owner) {
        return Filters.and(Filters.eq(ID, id), Filters.eq(STATUS, IN_FLIGHT), Filters.eq(LEASE_OWNER, owner));
    }

    private static Bson releaseWith(Document attempt, Date now) {
        return Updates.combine(Updates.push(ATTEMPTS, attempt), Updates.inc(ATTEMPT_COUNT, 1), Updates.unset(LEASE_OWNER),
                Updates.unset(LEASE_UNTIL), Updates.set(UPDATED_AT, now));
    }

    public boolean recordSuccess(String id, String owner, Document attempt, Date now) {
        return collections.deliveries().updateOne(owned(id, owner), Updates.combine(releaseWith(attempt, now),
                Updates.set(STATUS, SUCCEEDED), Updates.set(DELIVERED_AT, now), Updates.unset(LAST_ERROR))).getModifiedCount() == 1;
    }

    public boolean recordRetry(String id, String owner, Document attempt, Date now, Date next, String error) {
        return collections.deliveries().updateOne(owned(id, owner), Updates.combine(releaseWith(attempt, now),
                Updates.set(STATUS, PENDING), Updates.set(NEXT_ATTEMPT_AT, next), Updates.set(LAST_ERROR, error))).getModifiedCount() == 1;
    }

    /**
     * Ends a delivery as failed (attempt may be null when none was made) and copies it, with its
     * whole attempt history, to {@code webhook_logs}. Answers false when the lease was lost.
     */
    public boolean recordFailure(String id, String owner, Document attempt, Date now, String reason) {
        List<Bson> updates = new ArrayList<>(List.of(Updates.set(STATUS, FAILED), Updates.set(FAILED_AT, now),
                Updates.set(LAST_ERROR, reason), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL), Updates.set(UPDATED_AT, now),
                Updates.unset(NEXT_ATTEMPT_AT)));
        if (attempt != null) {
            updates.add(Updates.push(ATTEMPTS, attempt));
            updates.add(Updates.inc(ATTEMPT_COUNT, 1));
        }
        Document failed = collections.deliveries().findOneAndUpdate(owned(id, owner), Updates.combine(updates),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        if (failed == null) {
            return false;
        }
        // The log keeps the failure even if the delivery is replayed later; a second failure overwrites it.
        collections.logs().replaceOne(Filters.eq(ID, id), failed, new ReplaceOptions().upsert(true));
        return true;
    }

    public Optional<Document> find(String tenantId, String subscriptionId, String id) {
        return Optional.ofNullable(collections.deliveries().find(Filters.and(Filters.eq(ID, id), Filters.eq(TENANT_ID, tenantId),
                Filters.eq(SUBSCRIPTION_ID, subscriptionId))).first());
    }

    /** A subscription's deliveries, newest first, after the (created_at, _id) position of a cursor. */
    public List<Document> list(String tenantId, String subscriptionId, Date afterCreatedAt, String afterId, int limit) {
        Bson filter = Filters.and(Filters.eq(TENANT_ID, tenantId), Filters.eq(SUBSCRIPTION_ID, subscriptionId));
        if (afterCreatedAt != null) {
            filter = Filters.and(filter, Filters.or(Filters.lt(CREATED_AT, afterCreatedAt),
                    Filters.and(Filters.eq(CREATED_AT, afterCreatedAt), Filters.lt(ID, afterId))));
        }
        return collections.deliveries().find(filter).projection(Projections.exclude(BODY, LEASE_OWNER))
                .sort(Sorts.descending(CREATED_AT, ID)).limit(limit + 1).into(new ArrayList<>());
    }

    /**
     * Queues a finished delivery again now, with the same id and body; its retry schedule starts
     * over. An attempt in flight is left alone (answers false).
     */
    public boolean requeue(Document current, Date now) {
        String status = current.getString(STATUS);
        if (IN_FLIGHT.equals(status)) {
            return false;
        }
        int attempts = current.getInteger(ATTEMPT_COUNT, 0);
        // Compare-and-set on what was read, so a replay racing an attempt's result changes nothing.
        return collections.deliveries().updateOne(Filters.and(Filters.eq(ID, current.getString(ID)), Filters.eq(STATUS, status),
                        Filters.eq(ATTEMPT_COUNT, attempts)),
                Updates.combine(Updates.set(STATUS, PENDING), Updates.set(NEXT_ATTEMPT_AT, now), Updates.set(UPDATED_AT, now),
                        Updates.set(SCHEDULE_BASE, attempts), Updates.inc(REPLAYS, 1))).getModifiedCount() == 1;
    }

    /** A subscription's failed deliveries created at or after {@code since} (without bodies). */
    public List<Document> failedSince(String tenantId, String subscriptionId, Date since) {
        return collections.deliveries().find(Filters.and(Filters.eq(TENANT_ID, tenantId), Filters.eq(SUBSCRIPTION_ID, subscriptionId),
                        Filters.eq(STATUS, FAILED), Filters.gte(CREATED_AT, since)))
                .projection(Projections.include(ID, STATUS, ATTEMPT_COUNT)).into(new ArrayList<>());
    }

    public Optional<Document> byId(String id) {
        return Optional.ofNullable(collections.deliveries().find(Filters.eq(ID, id)).first());
    }
}
