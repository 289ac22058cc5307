package io.ordermesh.loadtest;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import org.bson.Document;

import java.util.List;

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

        /** At least {@code expected} orders decided, and every order of the tenant too. */
        boolean allDecided(long expected) {
            return decided() >= expected && decided() >= total;
        }
    }

    private final MongoClient client;
    private final MongoCollection<Document> orders;

    Outcomes(String mongoUrl, String database) {
        this.client = MongoClients.create(mongoUrl);
        this.orders = client.getDatabase(database).getCollection(OrderDocuments.COLLECTION);
    }

    /** One pass over the orders (a single aggregation, so the embedded server scans once, not once per figure). */
    Counts count(String tenant) {
        long allocated = 0;
        long held = 0;
        long total = 0;
        for (Document g : orders.aggregate(List.of(
                Aggregates.match(Filters.eq(OrderDocuments.TENANT_ID, tenant)),
                Aggregates.group(new Document("status", "$" + OrderDocuments.STATUS).append("reason", "$" + OrderDocuments.HOLD_REASON),
                        Accumulators.sum("n", 1))))) {
            Document key = g.get("_id", Document.class);
            long n = ((Number) g.get("n")).longValue();
            total += n;
            if (OrderStatus.new_order.name().equals(key.getString("status"))) {
                allocated += n;
            } else if (OrderStatus.on_hold.name().equals(key.getString("status")) && key.get("reason") != null) {
                held += n;
            }
        }
        return new Counts(allocated, held, total);
    }

    @Override
    public void close() {
        client.close();
    }
}
