package io.ordermesh.csv.repository;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.uploads.UploadDocuments;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * The upload job as csv-processor advances it. A job is claimed with a lease (owner + expiry) by
 * compare-and-set, so two instances never process one file at once, and a crashed instance's job
 * is taken over once its lease runs out.
 */
@Singleton
public class UploadJobs {

    static final String LEASE_OWNER = "lease_owner";
    static final String LEASE_UNTIL = "lease_until";

    public record Counters(long rowsTotal, long rowsValid, long rowsInvalid, long ordersCreated) {
    }

    private final MongoCollection<Document> uploads;

    UploadJobs(MongoDatabase db) {
        this.uploads = db.getCollection(UploadDocuments.COLLECTION);
    }

    public Optional<Document> find(String uploadId) {
        return Optional.ofNullable(uploads.find(Filters.eq(UploadDocuments.ID, uploadId)).first());
    }

    /** Takes the job if it is queued, or processing under an expired lease or our own. */
    public Optional<Document> claim(String uploadId, String owner, Duration lease) {
        Date now = new Date();
        Bson claimable = Filters.or(
                Filters.eq(UploadDocuments.STATUS, UploadDocuments.QUEUED),
                Filters.and(Filters.eq(UploadDocuments.STATUS, UploadDocuments.PROCESSING),
                        Filters.or(Filters.lt(LEASE_UNTIL, now), Filters.eq(LEASE_OWNER, owner))));
        Document claimed = uploads.findOneAndUpdate(Filters.and(Filters.eq(UploadDocuments.ID, uploadId), claimable),
                Updates.combine(
                        Updates.set(UploadDocuments.STATUS, UploadDocuments.PROCESSING),
                        Updates.set(LEASE_OWNER, owner),
                        Updates.set(LEASE_UNTIL, Date.from(Instant.now().plus(lease))),
                        // A reprocessing run starts its counters from zero; it recounts every row.
                        Updates.set(UploadDocuments.ROWS_TOTAL, 0L),
                        Updates.set(UploadDocuments.ROWS_VALID, 0L),
                        Updates.set(UploadDocuments.ROWS_INVALID, 0L),
                        Updates.set(UploadDocuments.ORDERS_CREATED, 0L),
                        Updates.set(UploadDocuments.STARTED_AT, now)),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
        return Optional.ofNullable(claimed);
    }

    /** Extends our lease; false when it was lost (another instance took the job over). */
    public boolean renew(String uploadId, String owner, Duration lease) {
        return uploads.updateOne(Filters.and(Filters.eq(UploadDocuments.ID, uploadId), Filters.eq(LEASE_OWNER, owner),
                        Filters.eq(UploadDocuments.STATUS, UploadDocuments.PROCESSING)),
                Updates.set(LEASE_UNTIL, Date.from(Instant.now().plus(lease)))).getModifiedCount() == 1;
    }

    public void progress(String uploadId, String owner, Counters c) {
        uploads.updateOne(Filters.and(Filters.eq(UploadDocuments.ID, uploadId), Filters.eq(LEASE_OWNER, owner)),
                counters(c));
    }

    public void complete(String uploadId, String owner, Counters c, String errorKey) {
        uploads.updateOne(Filters.and(Filters.eq(UploadDocuments.ID, uploadId), Filters.eq(LEASE_OWNER, owner)),
                Updates.combine(counters(c),
                        Updates.set(UploadDocuments.STATUS, UploadDocuments.COMPLETED),
                        Updates.set(UploadDocuments.ERROR_KEY, errorKey),
                        Updates.set(UploadDocuments.FINISHED_AT, new Date()),
                        Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)));
    }

    /** The whole file is rejected (or given up on) with a reason a person can act on. */
    public void fail(String uploadId, String reason) {
        uploads.updateOne(Filters.and(Filters.eq(UploadDocuments.ID, uploadId),
                        Filters.in(UploadDocuments.STATUS, UploadDocuments.QUEUED, UploadDocuments.PROCESSING)),
                Updates.combine(
                        Updates.set(UploadDocuments.STATUS, UploadDocuments.FAILED),
                        Updates.set(UploadDocuments.FAILURE_REASON, reason),
                        Updates.set(UploadDocuments.FINISHED_AT, new Date()),
                        Updates.unset(LEASE_OWNER), Updates.unset(LEASE_UNTIL)));
    }

    /** Gives the job back (shutdown): another instance may claim it at once. */
    public void release(String uploadId, String owner) {
        uploads.updateOne(Filters.and(Filters.eq(UploadDocuments.ID, uploadId), Filters.eq(LEASE_OWNER, owner)),
                Updates.set(LEASE_UNTIL, new Date(0)));
    }

    private static Bson counters(Counters c) {
        return Updates.combine(
                Updates.set(UploadDocuments.ROWS_TOTAL, c.rowsTotal()),
                Updates.set(UploadDocuments.ROWS_VALID, c.rowsValid()),
                Updates.set(UploadDocuments.ROWS_INVALID, c.rowsInvalid()),
                Updates.set(UploadDocuments.ORDERS_CREATED, c.ordersCreated()));
    }
}
