package io.ordermesh.csv.repository;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.outbox.Outbox;
import jakarta.inject.Singleton;
import org.bson.Document;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Orders as csv-processor writes them into the shared {@code orders} collection. */
@Singleton
public class OrderStore {

    /** Raw rows of an order still held back ({@code [{row, raw: [...]}]}), for the error file if it must be rejected. */
    public static final String HELD_ROWS = "held_rows";
    /** Why a held order will be rejected at the end of the file (its rows disagree on seller or hub). */
    public static final String CONFLICT = "conflict_reason";
    static final int DUPLICATE_KEY = 11000;

    /** Per batch, the held orders that start in it: {@code {_id: <upload>/<batch>, upload_id, ids: [...]}}. */
    static final String HELD_NOTES = "csv_held_orders";
    static final String UPLOAD_ID = "upload_id";

    private final MongoCollection<Document> orders;
    private final MongoCollection<Document> held;

    OrderStore(MongoDatabase db) {
        this.orders = db.getCollection(OrderDocuments.COLLECTION);
        this.held = db.getCollection(HELD_NOTES);
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

    /**
     * Notes the held orders whose first row is in batch {@code batch} of the upload, so the end of
     * the file can settle every held order by primary key instead of querying the whole collection.
     * Idempotent (a reprocessed file writes the same note again). Only batches with held orders
     * get a note; the caller remembers which.
     */
    public void noteHeld(String uploadId, int batch, List<String> ids) {
        String noteId = heldNoteId(uploadId, batch);
        held.replaceOne(Filters.eq(OrderDocuments.ID, noteId),
                new Document(OrderDocuments.ID, noteId).append(UPLOAD_ID, uploadId).append("ids", ids),
                new ReplaceOptions().upsert(true));
    }

    /** The held orders noted for these batches, batch after batch as given (one query, by primary key). */
    public List<String> heldIn(String uploadId, List<Integer> batches) {
        List<String> noteIds = batches.stream().map(b -> heldNoteId(uploadId, b)).toList();
        Map<Object, Document> notes = new HashMap<>();
        held.find(Filters.in(OrderDocuments.ID, noteIds)).forEach(n -> notes.put(n.get(OrderDocuments.ID), n));
        List<String> ids = new ArrayList<>();
        for (String noteId : noteIds) {
            Document note = notes.get(noteId);
            if (note != null) {
                ids.addAll(note.getList("ids", String.class));
            }
        }
        return ids;
    }

    /** Drops the upload's notes, also those an earlier run with more batches left behind. */
    public void forgetHeld(String uploadId) {
        held.deleteMany(Filters.eq(UPLOAD_ID, uploadId));
    }

    /** The documents of these ids, by id (one query, by primary key). */
    public Map<Object, Document> findAll(List<String> ids) {
        Map<Object, Document> found = new HashMap<>();
        if (!ids.isEmpty()) {
            orders.find(Filters.in(OrderDocuments.ID, ids)).forEach(d -> found.put(d.get(OrderDocuments.ID), d));
        }
        return found;
    }

    /**
     * At the end of the file, in one unordered bulk write: deletes the rejected held orders and
     * releases the others to the relay (and the publisher) by dropping the hold and the raw rows.
     */
    public void settle(List<Object> rejected, List<Object> released) {
        List<WriteModel<Document>> writes = new ArrayList<>(rejected.size() + released.size());
        rejected.forEach(id -> writes.add(new DeleteOneModel<>(Filters.eq(OrderDocuments.ID, id))));
        released.forEach(id -> writes.add(new UpdateOneModel<>(Filters.eq(OrderDocuments.ID, id),
                Updates.combine(Updates.unset(Outbox.HOLD), Updates.unset(HELD_ROWS)))));
        if (!writes.isEmpty()) {
            orders.bulkWrite(writes, new BulkWriteOptions().ordered(false));
        }
    }

    private static String heldNoteId(String uploadId, int batch) {
        return uploadId + "/" + batch;
    }
}
