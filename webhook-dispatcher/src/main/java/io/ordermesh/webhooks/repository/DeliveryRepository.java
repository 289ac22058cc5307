package io.ordermesh.webhooks.repository;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static io.ordermesh.webhooks.repository.DeliveryDocuments.*;

/**
 * {@code webhook_deliveries} and {@code webhook_logs}. Every state change is a single-document
 * compare-and-set on {@code {_id, version}} (the version is moved on by every change): a claim only
 * succeeds on the delivery as it was seen due (or with its lease expired), and an attempt's result
 * is only recorded by the claim it belongs to. Hot paths filter on nothing else, so they never
 * scan on the embedded server (which uses an index only for a filter with exactly its keys).
 */
@Singleton
public class DeliveryRepository {

    private final Collections collections;

    DeliveryRepository(Collections collections) {
        this.collections = collections;
    }

    /**
     * Inserts new deliveries in one unordered bulk write; ids that already exist (a redelivered
     * record) are skipped, recognised by the unique {@code _id} rather than read first. Then their
     * {@code webhook_due} entries, in a second bulk write: after the deliveries, so an entry never
     * names a delivery that is not there yet, and for the whole batch, so a batch consumed again
     * after a crash between the two writes still gets them. Answers the ids really inserted.
     */
    public List<String> insertNew(List<Document> deliveries) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        Set<Integer> existing = insertIgnoringDuplicates(collections.deliveries(), deliveries);
        List<String> inserted = new ArrayList<>();
        List<Document> entries = new ArrayList<>();
        for (int i = 0; i < deliveries.size(); i++) {
            Document d = deliveries.get(i);
            // One inserted already claimed is due again when its lease ends, should its claimant die;
            // one that was there already is judged by the poller when its entry is due (now).
            Date due = existing.contains(i) ? d.getDate(NEXT_ATTEMPT_AT) : nextClaimableAt(d);
            entries.add(dueEntry(d.getString(ID), d.getString(SUBSCRIPTION_ID), due));
            if (!existing.contains(i)) {
                inserted.add(d.getString(ID));
            }
        }
        insertIgnoringDuplicates(collections.due(), entries);
        return inserted;
    }

    /** Unordered insert; answers the positions whose {@code _id} already existed. */
    private static Set<Integer> insertIgnoringDuplicates(MongoCollection<Document> collection, List<Document> docs) {
        try {
            collection.insertMany(docs, new InsertManyOptions().ordered(false));
            return Set.of();
        } catch (MongoBulkWriteException e) {
            Set<Integer> duplicates = new HashSet<>();
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCode() != 11000) {
                    throw e;
                }
                duplicates.add(error.getIndex());
            }
            return duplicates;
        }
    }

    private static Document dueEntry(String id, String subscriptionId, Date dueAt) {
        return new Document(ID, id).append(SUBSCRIPTION_ID, subscriptionId).append(DUE_AT, dueAt);
    }

    private static WriteModel<Document> dueAt(String id, String subscriptionId, Date dueAt) {
        return new UpdateOneModel<>(Filters.eq(ID, id), Updates.combine(Updates.set(SUBSCRIPTION_ID, subscriptionId), Updates.set(DUE_AT, dueAt)),
                new UpdateOptions().upsert(true));
    }

    /**
     * The compare-and-set filter of every change: the delivery as it was read. Only {@code _id} and
     * {@code version}, so both real MongoDB and the embedded server answer it from an index.
     */
    static Bson unchanged(String id, Integer version) {
        // A delivery written before versions existed has none; that rare filter may scan.
        return version == null ? Filters.and(Filters.eq(ID, id), Filters.exists(VERSION, false))
                : new Document(ID, id).append(VERSION, version);
    }

    /** A pending delivery that is due, or one whose lease expired (its claimant died): it may be claimed. */
    public static boolean claimable(Document d, Date now) {
        String status = d.getString(STATUS);
        Date next = d.getDate(NEXT_ATTEMPT_AT);
        Date lease = d.getDate(LEASE_UNTIL);
        return PENDING.equals(status) && next != null && !next.after(now)
                || IN_FLIGHT.equals(status) && lease != null && !lease.after(now);
    }

    /** When an unfinished delivery can next be claimed: its next attempt when pending, its lease's end when in flight. */
    public static Date nextClaimableAt(Document delivery) {
        return IN_FLIGHT.equals(delivery.getString(STATUS)) ? delivery.getDate(LEASE_UNTIL) : delivery.getDate(NEXT_ATTEMPT_AT);
    }

    /**
     * Makes a new delivery (as fan-out builds it: pending, version 0) one claimed by {@code owner}
     * as it is inserted, as {@link #claim} would have left it, so its first attempt needs no
     * claim of its own. An insert that finds the delivery already there claims nothing.
     */
    public static void claimedAtInsert(Document delivery, String owner, Date leaseUntil) {
        delivery.append(STATUS, IN_FLIGHT).append(LEASE_OWNER, owner).append(LEASE_UNTIL, leaseUntil).append(VERSION, 1);
    }

    /**
     * Claims deliveries for one attempt each. {@code seen} maps each id to the version at which it
     * was seen claimable (by the poller, or as inserted by fan-out), or to null when it was not seen
     * (a timed retry): those are read here and kept if claimable now. One unordered bulk of
     * compare-and-sets on {@code {_id, version}}, then one read by {@code _id}: the claimed ones are
     * those now one version on, under this owner and this lease. Answers them whole (with body);
     * the others changed since they were seen.
     */
    public List<Document> claim(Map<String, Integer> seen, String owner, Date now, Date leaseUntil) {
        Map<String, Integer> versions = new HashMap<>();
        List<String> unseen = new ArrayList<>();
        seen.forEach((id, version) -> {
            if (version == null) {
                unseen.add(id);
            } else {
                versions.put(id, version);
            }
        });
        states(unseen).forEach((id, d) -> {
            if (claimable(d, now)) {
                versions.put(id, d.getInteger(VERSION)); // null for a delivery older than versions
            }
        });
        if (versions.isEmpty()) {
            return List.of();
        }
        Bson claim = Updates.combine(Updates.set(STATUS, IN_FLIGHT), Updates.set(LEASE_OWNER, owner), Updates.set(LEASE_UNTIL, leaseUntil),
                Updates.set(UPDATED_AT, now), Updates.inc(VERSION, 1));
        List<WriteModel<Document>> claims = new ArrayList<>();
        versions.forEach((id, version) -> claims.add(new UpdateOneModel<>(unchanged(id, version), claim)));
        if (collections.deliveries().bulkWrite(claims, new BulkWriteOptions().ordered(false)).getModifiedCount() == 0) {
            return List.of();
        }
        List<Document> claimed = new ArrayList<>();
        collections.deliveries().find(Filters.in(ID, versions.keySet())).forEach(d -> {
            Integer was = versions.get(d.getString(ID));
            if (owner.equals(d.getString(LEASE_OWNER)) && leaseUntil.equals(d.getDate(LEASE_UNTIL))
                    && Objects.equals(d.getInteger(VERSION), was == null ? 1 : was + 1)) {
                claimed.add(d);
            }
        });
        return claimed;
    }

    /**
     * Hands back claims whose outcome {@code owner} lost track of (the claim or the result's write
     * failed midway), each named by its delivery id and the lease it was made with: one still in
     * flight under exactly that claim becomes pending and due now, instead of waiting for the lease
     * to expire. The others (recorded after all, or claimed again since) are left as they are.
     * Answers how many were handed back.
     */
    public int release(Map<String, Date> claims, String owner, Date now) {
        List<WriteModel<Document>> releases = new ArrayList<>();
        List<WriteModel<Document>> due = new ArrayList<>();
        collections.deliveries().find(Filters.in(ID, claims.keySet()))
                .projection(Projections.include(ID, SUBSCRIPTION_ID, STATUS, LEASE_OWNER, LEASE_UNTIL, VERSION)).forEach(d -> {
                    String id = d.getString(ID);
                    if (IN_FLIGHT.equals(d.getString(STATUS)) && owner.equals(d.getString(LEASE_OWNER))
                            && claims.get(id).equals(d.getDate(LEASE_UNTIL))) {
                        releases.add(new UpdateOneModel<>(unchanged(id, d.getInteger(VERSION)), Updates.combine(
                                Updates.set(STATUS, PENDING), Updates.set(NEXT_ATTEMPT_AT, now), Updates.unset(LEASE_OWNER),
                                Updates.unset(LEASE_UNTIL), Updates.set(UPDATED_AT, now), Updates.inc(VERSION, 1))));
                        due.add(dueAt(id, d.getString(SUBSCRIPTION_ID), now));
                    }
                });
        if (releases.isEmpty()) {
            return 0;
        }
        int released = collections.deliveries().bulkWrite(releases, new BulkWriteOptions().ordered(false)).getModifiedCount();
        collections.due().bulkWrite(due, new BulkWriteOptions().ordered(false));
        return released;
    }

    /**
     * {@code webhook_due} entries due by {@code now} (id and subscription), skipping busy
     * subscriptions. Not sorted: MongoDB walks the {@code due_at} index for the range and so answers
     * the oldest first anyway, while a sort makes the embedded server hold every due entry in its
     * heap before the limit applies (a million-row upload's backlog ran it out of memory); unsorted,
     * it stops scanning at the limit. Every entry taken leaves or moves on, so none waits forever.
     */
    public List<Document> dueEntries(Date now, int limit, Collection<String> skipSubscriptions) {
        Bson due = Filters.lte(DUE_AT, now);
        Bson filter = skipSubscriptions.isEmpty() ? due : Filters.and(due, Filters.nin(SUBSCRIPTION_ID, skipSubscriptions));
        return collections.due().find(filter).projection(Projections.include(ID, SUBSCRIPTION_ID)).limit(limit).into(new ArrayList<>());
    }

    /** What the poller needs to judge deliveries: state, times and version, read by {@code _id} only. */
    public Map<String, Document> states(Collection<String> ids) {
        Map<String, Document> out = new HashMap<>();
        if (!ids.isEmpty()) {
            collections.deliveries().find(Filters.in(ID, ids))
                    .projection(Projections.include(ID, SUBSCRIPTION_ID, STATUS, NEXT_ATTEMPT_AT, LEASE_UNTIL, VERSION))
                    .forEach(d -> out.put(d.getString(ID), d));
        }
        return out;
    }

    /** Drops entries of finished (or vanished) deliveries and moves the others on to when they can next be claimed. */
    public void tidyDue(Collection<String> finished, Map<String, Date> later) {
        List<WriteModel<Document>> changes = new ArrayList<>();
        finished.forEach(id -> changes.add(new DeleteOneModel<>(Filters.eq(ID, id))));
        later.forEach((id, at) -> changes.add(new UpdateOneModel<>(Filters.eq(ID, id), Updates.set(DUE_AT, at))));
        if (!changes.isEmpty()) {
            collections.due().bulkWrite(changes, new BulkWriteOptions().ordered(false));
        }
    }

    /**
     * The safety net behind {@code webhook_due}: claimable deliveries found in the whole collection
     * (a scan on the embedded server, hence run rarely), e.g. written before entries existed.
     * Unsorted for the reason given at {@link #dueEntries}.
     */
    public List<Document> sweep(Date now, int limit) {
        Bson claimable = Filters.or(
                Filters.and(Filters.eq(STATUS, PENDING), Filters.lte(NEXT_ATTEMPT_AT, now)),
                Filters.and(Filters.eq(STATUS, IN_FLIGHT), Filters.lte(LEASE_UNTIL, now)));
        return collections.deliveries().find(claimable)
                .projection(Projections.include(ID, SUBSCRIPTION_ID, VERSION)).limit(limit).into(new ArrayList<>());
    }

    /**
     * Of deliveries found by the sweep, those without a {@code webhook_due} entry get one due now;
     * answers them (the others are the poller's already).
     */
    public List<Document> ensureDue(List<Document> deliveries, Date now) {
        if (deliveries.isEmpty()) {
            return List.of();
        }
        Set<Object> tracked = new HashSet<>();
        collections.due().find(Filters.in(ID, deliveries.stream().map(d -> d.getString(ID)).toList()))
                .projection(Projections.include(ID)).forEach(e -> tracked.add(e.get(ID)));
        List<Document> orphans = deliveries.stream().filter(d -> !tracked.contains(d.getString(ID))).toList();
        if (!orphans.isEmpty()) {
            collections.due().bulkWrite(orphans.stream().map(d -> dueAt(d.getString(ID), d.getString(SUBSCRIPTION_ID), now)).toList(),
                    new BulkWriteOptions().ordered(false));
        }
        return orphans;
    }

    /**
     * The result of one attempt, written with others in one bulk write ({@link #recordResults}):
     * the delivery's change and its {@code webhook_due} entry's (dropped, or moved to the retry).
     */
    public record Result(String id, int claimedVersion, Bson update, boolean success, WriteModel<Document> dueChange) {
    }

    private static Bson releaseWith(Document attempt, Date now) {
        return Updates.combine(Updates.push(ATTEMPTS, attempt), Updates.inc(ATTEMPT_COUNT, 1), Updates.unset(LEASE_OWNER),
                Updates.unset(LEASE_UNTIL), Updates.set(UPDATED_AT, now), Updates.inc(VERSION, 1));
    }

    public static Result success(String id, int claimedVersion, Document attempt, Date now) {
        return new Result(id, claimedVersion, Updates.combine(releaseWith(attempt, now),
                Updates.set(STATUS, SUCCEEDED), Updates.set(DELIVERED_AT, now), Updates.unset(LAST_ERROR)), true,
                new DeleteOneModel<>(Filters.eq(ID, id)));
    }

    public static Result retry(String id, String subscriptionId, int claimedVersion, Document attempt, Date now, Date next, String error) {
        return new Result(id, claimedVersion, Updates.combine(releaseWith(attempt, now),
                Updates.set(STATUS, PENDING), Updates.set(NEXT_ATTEMPT_AT, next), Updates.set(LAST_ERROR, error)), false,
                dueAt(id, subscriptionId, next));
    }

    /** What one bulk write of results came to: how many successes and retries were recorded (the rest had lost their lease). */
    public record Recorded(int successes, int retries, int lost) {
    }

    /**
     * Records the results of many attempts in one unordered bulk write per kind (success, retry),
     * each a compare-and-set on the version the attempt claimed, so only the lease owner records.
     * Their {@code webhook_due} entries are {@link #settleDue settled} afterwards, off the attempts'
     * critical path (a crash in between leaves entries that the poller finds finished or not yet
     * due and tidies).
     */
    public Recorded recordResults(List<Result> results) {
        List<WriteModel<Document>> successes = new ArrayList<>();
        List<WriteModel<Document>> retries = new ArrayList<>();
        for (Result r : results) {
            (r.success() ? successes : retries).add(new UpdateOneModel<>(unchanged(r.id(), r.claimedVersion()), r.update()));
        }
        int s = successes.isEmpty() ? 0 : collections.deliveries().bulkWrite(successes, new BulkWriteOptions().ordered(false)).getModifiedCount();
        int t = retries.isEmpty() ? 0 : collections.deliveries().bulkWrite(retries, new BulkWriteOptions().ordered(false)).getModifiedCount();
        return new Recorded(s, t, results.size() - s - t);
    }

    /**
     * Drops or moves the {@code webhook_due} entries of recorded results, in one bulk write. Only
     * after all of them were recorded: when some lost their lease it is unknown which, and their
     * entries are left for the poller, which judges each delivery by its own state.
     */
    public void settleDue(List<Result> results, Recorded recorded) {
        if (recorded.lost() == 0 && !results.isEmpty()) {
            collections.due().bulkWrite(results.stream().map(Result::dueChange).toList(), new BulkWriteOptions().ordered(false));
        }
    }

    /**
     * Ends a delivery as failed (attempt may be null when none was made) and copies it, with its
     * whole attempt history, to {@code webhook_logs}. Answers false when the lease was lost.
     */
    public boolean recordFailure(String id, int claimedVersion, Document attempt, Date now, String reason) {
        List<Bson> updates = new ArrayList<>(List.of(Updates.set(STATUS, FAILED), Updates.set(FAILED_AT, now),
                Updates.set(LAST_ERROR, reason), Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL), Updates.set(UPDATED_AT, now),
                Updates.unset(NEXT_ATTEMPT_AT), Updates.inc(VERSION, 1)));
        if (attempt != null) {
            updates.add(Updates.push(ATTEMPTS, attempt));
            updates.add(Updates.inc(ATTEMPT_COUNT, 1));
        }
        Document failed = collections.deliveries().findOneAndUpdate(unchanged(id, claimedVersion), Updates.combine(updates),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        if (failed == null) {
            return false;
        }
        // The log keeps the failure even if the delivery is replayed later; a second failure overwrites it.
        collections.logs().replaceOne(Filters.eq(ID, id), failed, new ReplaceOptions().upsert(true));
        collections.due().deleteOne(Filters.eq(ID, id));
        return true;
    }

    /** One delivery of a tenant's subscription: read by {@code _id} alone, the owner checked here. */
    public Optional<Document> find(String tenantId, String subscriptionId, String id) {
        return byId(id).filter(d -> tenantId.equals(d.getString(TENANT_ID)) && subscriptionId.equals(d.getString(SUBSCRIPTION_ID)));
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
        boolean requeued = collections.deliveries().updateOne(unchanged(current.getString(ID), current.getInteger(VERSION)),
                Updates.combine(Updates.set(STATUS, PENDING), Updates.set(NEXT_ATTEMPT_AT, now), Updates.set(UPDATED_AT, now),
                        Updates.set(SCHEDULE_BASE, attempts), Updates.inc(REPLAYS, 1), Updates.inc(VERSION, 1))).getModifiedCount() == 1;
        if (requeued) {
            collections.due().bulkWrite(List.of(dueAt(current.getString(ID), current.getString(SUBSCRIPTION_ID), now)));
        }
        return requeued;
    }

    /** A subscription's failed deliveries created at or after {@code since} (without bodies). */
    public List<Document> failedSince(String tenantId, String subscriptionId, Date since) {
        return collections.deliveries().find(Filters.and(Filters.eq(TENANT_ID, tenantId), Filters.eq(SUBSCRIPTION_ID, subscriptionId),
                        Filters.eq(STATUS, FAILED), Filters.gte(CREATED_AT, since)))
                .projection(Projections.include(ID, SUBSCRIPTION_ID, STATUS, ATTEMPT_COUNT, VERSION)).into(new ArrayList<>());
    }

    private Optional<Document> byId(String id) {
        return Optional.ofNullable(collections.deliveries().find(Filters.eq(ID, id)).first());
    }
}
