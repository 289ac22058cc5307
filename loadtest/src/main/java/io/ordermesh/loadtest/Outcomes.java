package io.ordermesh.loadtest;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import org.bson.Document;
import org.bson.conversions.Bson;

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
    private final MongoDatabase database;

    Outcomes(String mongoUrl, String database) {
        this.client = MongoClients.create(mongoUrl);
        this.database = client.getDatabase(database);
    }

    /**
     * Three {@code count} commands. Not one aggregation: the embedded server runs an aggregation
     * over every whole document of the collection held in its heap at once (566,000 orders with
     * their items at a million rows: its 2 GB heap, full, stalled the run being measured); a count
     * holds only the ids it matched.
     */
    Counts count(String tenant) {
        Bson ofTenant = Filters.eq(OrderDocuments.TENANT_ID, tenant);
        long allocated = count(Filters.and(ofTenant, Filters.eq(OrderDocuments.STATUS, OrderStatus.new_order.name())));
        long held = count(Filters.and(ofTenant, Filters.eq(OrderDocuments.STATUS, OrderStatus.on_hold.name()),
                Filters.ne(OrderDocuments.HOLD_REASON, null)));
        long total = count(ofTenant);
        return new Counts(allocated, held, total);
    }

    private long count(Bson filter) {
        Document answer = database.runCommand(new Document("count", OrderDocuments.COLLECTION).append("query", filter));
        return ((Number) answer.get("n")).longValue();
    }

    @Override
    public void close() {
        client.close();
    }
}
