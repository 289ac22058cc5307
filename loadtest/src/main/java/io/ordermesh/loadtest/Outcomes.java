package io.ordermesh.loadtest;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import org.bson.Document;

/**
 * How a tenant's orders stand, counted in the orders collection itself: the REST API pages
 * orders but has no count, and reading back a million orders to count them would load the suite
 * more than the run does.
 */
final class Outcomes implements AutoCloseable {

    /**
     * {@code decided} = allocated + held with a reason: every order the finalizer has looked at;
     * {@code total} = every order of the tenant (a request the client gave up on may still have created one).
     */
    record Counts(long allocated, long held, long total) {
        long decided() {
            return allocated + held;
        }
    }

    private final MongoClient client;
    private final MongoCollection<Document> orders;

    Outcomes(String mongoUrl, String database) {
        this.client = MongoClients.create(mongoUrl);
        this.orders = client.getDatabase(database).getCollection(OrderDocuments.COLLECTION);
    }

    Counts count(String tenant) {
        long allocated = orders.countDocuments(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, tenant),
                Filters.eq(OrderDocuments.STATUS, OrderStatus.new_order.name())));
        long held = orders.countDocuments(Filters.and(Filters.eq(OrderDocuments.TENANT_ID, tenant),
                Filters.eq(OrderDocuments.STATUS, OrderStatus.on_hold.name()), Filters.ne(OrderDocuments.HOLD_REASON, null)));
        long total = orders.countDocuments(Filters.eq(OrderDocuments.TENANT_ID, tenant));
        return new Counts(allocated, held, total);
    }

    @Override
    public void close() {
        client.close();
    }
}
