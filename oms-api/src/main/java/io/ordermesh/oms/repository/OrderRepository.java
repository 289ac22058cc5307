package io.ordermesh.oms.repository;

import com.mongodb.MongoException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.PendingEvent;
import jakarta.inject.Singleton;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Orders in MongoDB. Every query is scoped to one tenant; writes are single-document. */
@Singleton
public class OrderRepository {

    public static final String RELEASE_STATE = "release_state";

    private final Collections collections;

    OrderRepository(Collections collections) {
        this.collections = collections;
    }

    /** Inserts the order with its pending events; false when the tenant already has that order id. */
    public boolean insert(Document order) {
        try {
            collections.orders().insertOne(order);
            return true;
        } catch (MongoException e) {
            if (Collections.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    public Optional<Document> find(UUID tenant, String orderId) {
        return Optional.ofNullable(collections.orders().find(Filters.eq("_id", OrderDocuments.id(tenant, orderId))).first());
    }

    public record Query(UUID sellerId, UUID hubId, OrderStatus status, Instant from, Instant to) {
    }

    /** One page, newest first; fetches one more than asked to know whether there is a next page. */
    public List<Document> list(UUID tenant, Query q, Cursor after, int limit) {
        List<Bson> filters = new ArrayList<>();
        filters.add(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()));
        if (q.sellerId() != null) {
            filters.add(Filters.eq(OrderDocuments.SELLER_ID, q.sellerId().toString()));
        }
        if (q.hubId() != null) {
            filters.add(Filters.eq(OrderDocuments.HUB_ID, q.hubId().toString()));
        }
        if (q.status() != null) {
            filters.add(Filters.eq(OrderDocuments.STATUS, q.status().name()));
        }
        if (q.from() != null) {
            filters.add(Filters.gte(OrderDocuments.CREATED_AT, Date.from(q.from())));
        }
        if (q.to() != null) {
            filters.add(Filters.lt(OrderDocuments.CREATED_AT, Date.from(q.to())));
        }
        if (after != null) {
            filters.add(after.filter());
        }
        return collections.orders().find(Filters.and(filters))
                .projection(new Document(OrderDocuments.PENDING_EVENTS, 0))
                .sort(Sorts.descending(OrderDocuments.CREATED_AT, "_id"))
                .limit(limit + 1)
                .into(new ArrayList<>());
    }

    /**
     * Compare-and-set of the status with the event announcing it, in one single-document update.
     * Answers the document after the change, or empty when the status was no longer {@code expected}.
     */
    public Optional<Document> changeStatus(UUID tenant, String orderId, OrderStatus expected, OrderStatus next,
                                           Instant at, PendingEvent event, Bson... extraUpdates) {
        List<Bson> updates = new ArrayList<>(List.of(
                Updates.set(OrderDocuments.STATUS, next.name()),
                Updates.set(OrderDocuments.UPDATED_AT, Date.from(at)),
                Updates.push(OrderDocuments.PENDING_EVENTS, event.toDocument())));
        updates.addAll(List.of(extraUpdates));
        return Optional.ofNullable(collections.orders().findOneAndUpdate(
                OrderDocuments.inStatus(OrderDocuments.id(tenant, orderId), expected),
                Updates.combine(updates),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER)));
    }

    public void markReleased(String documentId) {
        collections.orders().updateOne(Filters.eq("_id", documentId), Updates.set(RELEASE_STATE, "released"));
    }

    /** Cancelled orders whose IMS allocation release has not been confirmed yet. */
    public List<Document> pendingReleases(Instant olderThan, int max) {
        return collections.orders().find(Filters.and(Filters.eq(RELEASE_STATE, "pending"),
                        Filters.lt(OrderDocuments.UPDATED_AT, Date.from(olderThan))))
                .projection(new Document(OrderDocuments.TENANT_ID, 1).append(OrderDocuments.ORDER_ID, 1))
                .limit(max).into(new ArrayList<>());
    }
}
