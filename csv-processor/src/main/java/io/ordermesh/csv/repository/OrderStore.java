package io.ordermesh.csv.repository;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.outbox.Outbox;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Orders as csv-processor writes them into the shared {@code orders} collection. */
@Singleton
public class OrderStore {

    /** Raw rows of an order still held back ({@code [{row, raw: [...]}]}), for the error file if it must be rejected. */
    public static final String HELD_ROWS = "held_rows";
    /** Why a held order will be rejected at the end of the file (its rows disagree on seller or hub). */
    public static final String CONFLICT = "conflict_reason";
    static final int DUPLICATE_KEY = 11000;

    private final MongoCollection<Document> orders;

    OrderStore(MongoDatabase db) {
        this.orders = db.getCollection(OrderDocuments.COLLECTION);
    }

    public MongoCollection<Document> collection() {
        return orders;
    }

    /**
     * Inserts in one unordered bulk write; answers the {@code _id}s that already existed (a
     * reprocessed file, or a clash with an order of the tenant). Duplicates are recognised by the
     * primary key, never by reading first.
     */
    public Set<Object> insertAll(List<Document> docs) {
        Set<Object> existing = new HashSet<>();
        if (docs.isEmpty()) {
            return existing;
        }
        try {
            orders.insertMany(docs, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCode() != DUPLICATE_KEY) {
                    throw e;
                }
                existing.add(docs.get(error.getIndex()).get(OrderDocuments.ID));
            }
        }
        return existing;
    }

    public Document find(Object id) {
        return orders.find(Filters.eq(OrderDocuments.ID, id)).first();
    }

    public void replace(Document doc) {
        orders.replaceOne(Filters.eq(OrderDocuments.ID, doc.get(OrderDocuments.ID)), doc);
    }

    /** Held orders of the upload whose rows disagree, one at a time (bounded memory). */
    public void forEachConflicted(String uploadId, Consumer<Document> action) {
        try (MongoCursor<Document> c = orders.find(Filters.and(ofUpload(uploadId), Filters.eq(Outbox.HOLD, true),
                Filters.exists(CONFLICT))).batchSize(500).iterator()) {
            c.forEachRemaining(action);
        }
    }

    public void delete(Object id) {
        orders.deleteOne(Filters.eq(OrderDocuments.ID, id));
    }

    /** Lets the relay (and the publisher below) announce every held order of the upload. */
    public long release(String uploadId) {
        return orders.updateMany(Filters.and(ofUpload(uploadId), Filters.eq(Outbox.HOLD, true)),
                Updates.combine(Updates.unset(Outbox.HOLD), Updates.unset(HELD_ROWS))).getModifiedCount();
    }

    /** Ids and pending events of the upload's orders that still have events to send. */
    public void forEachPending(String uploadId, Consumer<Document> action) {
        try (MongoCursor<Document> c = orders.find(Filters.and(ofUpload(uploadId), Filters.ne(Outbox.HOLD, true),
                        Filters.exists(OrderDocuments.PENDING_EVENTS + ".0")))
                .projection(Projections.include(OrderDocuments.PENDING_EVENTS)).batchSize(1000).iterator()) {
            c.forEachRemaining(action);
        }
    }

    public long countOfUpload(String uploadId) {
        return orders.countDocuments(ofUpload(uploadId));
    }

    private static Bson ofUpload(String uploadId) {
        return Filters.eq(OrderDocuments.SOURCE + ".upload_id", uploadId);
    }
}
