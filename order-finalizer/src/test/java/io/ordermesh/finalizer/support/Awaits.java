package io.ordermesh.finalizer.support;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.orders.OrderDocuments;
import org.bson.Document;

import java.util.UUID;

/** Counting a tenant's orders by status and hold reason. */
public final class Awaits {

    private Awaits() {
    }

    public static long count(MongoCollection<Document> orders, UUID tenant, String status) {
        return orders.countDocuments(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()),
                Filters.eq(OrderDocuments.STATUS, status)));
    }

    public static long held(MongoCollection<Document> orders, UUID tenant, String reason) {
        return orders.countDocuments(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, tenant.toString()),
                Filters.eq(OrderDocuments.STATUS, "on_hold"), Filters.eq(OrderDocuments.HOLD_REASON, reason)));
    }

    public static Document order(MongoCollection<Document> orders, UUID tenant, String orderId) {
        return orders.find(Filters.eq(OrderDocuments.ID, OrderDocuments.id(tenant, orderId))).first();
    }
}
