package io.ordermesh.common.orders;

import io.ordermesh.common.inventory.Allocations;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;

import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * How an order is stored in MongoDB collection {@code orders}, shared by every service that writes
 * orders (oms-api, csv-processor, order-finalizer) so they all read and write the same shape.
 * {@code _id} is {@code tenant_id + "/" + order_id}: an insert of the same order twice fails on
 * the primary key, which is how duplicates are recognised without reading first. Money is
 * Decimal128, instants are dates, ids are strings.
 */
public final class OrderDocuments {

    public static final String COLLECTION = "orders";
    public static final String ID = "_id";
    public static final String TENANT_ID = "tenant_id";
    public static final String ORDER_ID = "order_id";
    public static final String SELLER_ID = "seller_id";
    public static final String HUB_ID = "hub_id";
    public static final String ITEMS = "items";
    public static final String TOTAL = "total";
    public static final String STATUS = "status";
    public static final String HOLD_REASON = "hold_reason";
    public static final String HOLD_DETAILS = "hold_details";
    public static final String SOURCE = "source";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    /** Hash of seller, hub and items: a client order id sent again with the same content is the same order. */
    public static final String CONTENT_HASH = "content_hash";
    /** The in-document outbox, see {@link io.ordermesh.common.outbox.Outbox}. */
    public static final String PENDING_EVENTS = "pending_events";

    private OrderDocuments() {
    }

    /**
     * The filter of every status compare-and-set: this order, still in {@code status}. Only
     * {@code _id} and {@code status}, as a plain document: the embedded MongoDB-compatible server
     * uses an index only for a filter of exactly its fields (and reads {@code Filters.and} as an
     * {@code $and}), and would otherwise scan the collection once per update.
     */
    public static Bson inStatus(String id, OrderStatus status) {
        return new Document(ID, id).append(STATUS, status.name());
    }

    /**
     * The indexes of every service that changes orders' status: the outbox's, and the one that
     * answers {@link #inStatus} (on MongoDB the primary key already does, and it costs little).
     */
    public static void createIndexes(MongoCollection<Document> orders) {
        Outbox.createIndex(orders);
        orders.createIndex(Indexes.ascending(ID, STATUS), new IndexOptions().name("id_status").unique(true));
    }

    public static String id(UUID tenantId, String orderId) {
        return tenantId + "/" + orderId;
    }

    /** The document of a new order with the events it must publish, for one single-document insert. */
    public static Document toDocument(Order o, List<PendingEvent> pending) {
        Document d = new Document(ID, id(o.tenantId(), o.orderId()))
                .append(TENANT_ID, o.tenantId().toString())
                .append(ORDER_ID, o.orderId())
                .append(SELLER_ID, o.sellerId().toString())
                .append(HUB_ID, o.hubId().toString())
                .append(ITEMS, o.items().stream().map(i -> new Document("sku_id", i.skuId().toString())
                        .append("quantity", i.quantity()).append("price", new Decimal128(i.price()))).toList())
                .append(TOTAL, new Decimal128(o.total()))
                .append(STATUS, o.status().name())
                .append(HOLD_REASON, o.holdReason())
                .append(SOURCE, new Document("type", o.source().type()).append("upload_id", o.source().uploadId())
                        .append("row", o.source().row()))
                .append(CREATED_AT, Date.from(o.createdAt()))
                .append(UPDATED_AT, Date.from(o.updatedAt()))
                .append(CONTENT_HASH, contentHash(o.sellerId(), o.hubId(), o.items()))
                .append(PENDING_EVENTS, pending.stream().map(PendingEvent::toDocument).toList());
        if (o.holdDetails() != null) {
            d.append(HOLD_DETAILS, shortages(o.holdDetails()));
        }
        return d;
    }

    public static List<Document> shortages(List<Allocations.Shortage> shortages) {
        return shortages.stream().map(s -> new Document("sku_id", s.skuId().toString())
                .append("requested", s.requested()).append("available", s.available())).toList();
    }

    public static Order fromDocument(Document d) {
        List<Order.Item> items = new ArrayList<>();
        for (Document i : d.getList(ITEMS, Document.class)) {
            items.add(new Order.Item(UUID.fromString(i.getString("sku_id")), i.getInteger("quantity"), decimal(i.get("price"))));
        }
        List<Allocations.Shortage> hold = null;
        List<Document> details = d.getList(HOLD_DETAILS, Document.class);
        if (details != null) {
            hold = details.stream().map(s -> new Allocations.Shortage(UUID.fromString(s.getString("sku_id")),
                    s.getInteger("requested"), s.getInteger("available"))).toList();
        }
        Document src = d.get(SOURCE, Document.class);
        Order.Source source = src == null ? Order.Source.api()
                : new Order.Source(src.getString("type"), src.getString("upload_id"),
                src.get("row") == null ? null : ((Number) src.get("row")).longValue());
        return new Order(d.getString(ORDER_ID), UUID.fromString(d.getString(TENANT_ID)),
                UUID.fromString(d.getString(SELLER_ID)), UUID.fromString(d.getString(HUB_ID)), items,
                decimal(d.get(TOTAL)), OrderStatus.valueOf(d.getString(STATUS)), d.getString(HOLD_REASON), hold, source,
                d.getDate(CREATED_AT).toInstant(), d.getDate(UPDATED_AT).toInstant());
    }

    /** Stable over field order and number formatting (2.50 and 2.5 are the same price). */
    public static String contentHash(UUID sellerId, UUID hubId, List<Order.Item> items) {
        StringBuilder sb = new StringBuilder().append(sellerId).append('|').append(hubId);
        for (Order.Item i : items) {
            sb.append('|').append(i.skuId()).append(':').append(i.quantity()).append(':')
                    .append(i.price().stripTrailingZeros().toPlainString());
        }
        return sha256(sb.toString());
    }

    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigDecimal decimal(Object v) {
        if (v instanceof Decimal128 d) {
            return d.bigDecimalValue();
        }
        if (v instanceof Number n) {
            return new BigDecimal(n.toString());
        }
        return v == null ? null : new BigDecimal(v.toString());
    }
}
