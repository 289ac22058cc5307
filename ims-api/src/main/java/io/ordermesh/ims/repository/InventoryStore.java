package io.ordermesh.ims.repository;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The SQL of inventory levels, their audit trail and allocations. Callers run it inside a JTA
 * transaction; the pooled connection joins it. Plain JDBC because this is the hot path: whole
 * batches travel as arrays in one statement.
 */
@ApplicationScoped
public class InventoryStore {

    private final AgroalDataSource ds;

    InventoryStore(AgroalDataSource ds) {
        this.ds = ds;
    }

    public record Level(UUID hubId, UUID skuId) implements Comparable<Level> {
        @Override
        public int compareTo(Level o) {
            int c = hubId.compareTo(o.hubId);
            return c != 0 ? c : skuId.compareTo(o.skuId);
        }
    }

    public record Change(UUID hubId, UUID skuId, long delta, long quantityAfter, String reason, String reference) {
    }

    public record Transaction(long id, UUID hubId, UUID skuId, long delta, long quantityAfter, String reason,
                              String reference, Instant createdAt) {
    }

    public record AllocationRow(String orderId, UUID hubId, String status, String itemsJson, Instant allocatedAt,
                                Instant releasedAt) {
    }

    public Connection connection() throws SQLException {
        return ds.getConnection();
    }

    /** A level as read, not locked. */
    public record Stock(long quantityOnHand, Instant updatedAt) {
    }

    /** Current levels, not locked, in one query. Combinations never stocked are absent. */
    public Map<UUID, Stock> levels(Connection c, UUID tenant, UUID hub, List<UUID> skus) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT sku_id, quantity_on_hand, updated_at FROM inventory WHERE tenant_id = ? AND hub_id = ? AND sku_id = ANY (?)")) {
            ps.setObject(1, tenant);
            ps.setObject(2, hub);
            ps.setArray(3, c.createArrayOf("uuid", skus.toArray()));
            Map<UUID, Stock> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1, UUID.class), new Stock(rs.getLong(2), rs.getTimestamp(3).toInstant()));
                }
            }
            return out;
        }
    }

    /**
     * Locks the levels (creating missing ones at 0 first when {@code create}) in one global order
     * (hub, SKU), so that concurrent transactions touching overlapping levels queue instead of
     * deadlocking. Answers the locked quantities.
     */
    public Map<Level, Long> lock(Connection c, UUID tenant, List<Level> levels, boolean create) throws SQLException {
        List<Level> sorted = levels.stream().distinct().sorted().toList();
        Array hubs = c.createArrayOf("uuid", sorted.stream().map(Level::hubId).toArray());
        Array skus = c.createArrayOf("uuid", sorted.stream().map(Level::skuId).toArray());
        if (create) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO inventory (tenant_id, hub_id, sku_id, quantity_on_hand, updated_at) "
                            + "SELECT ?, h, s, 0, now() FROM unnest(?::uuid[], ?::uuid[]) AS l(h, s) "
                            + "ON CONFLICT DO NOTHING")) {
                ps.setObject(1, tenant);
                ps.setArray(2, hubs);
                ps.setArray(3, skus);
                ps.executeUpdate();
            }
        }
        Map<Level, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT i.hub_id, i.sku_id, i.quantity_on_hand FROM inventory i "
                        + "JOIN unnest(?::uuid[], ?::uuid[]) AS l(h, s) ON i.hub_id = l.h AND i.sku_id = l.s "
                        + "WHERE i.tenant_id = ? ORDER BY i.hub_id, i.sku_id FOR UPDATE OF i")) {
            ps.setArray(1, hubs);
            ps.setArray(2, skus);
            ps.setObject(3, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new Level(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)), rs.getLong(3));
                }
            }
        }
        return out;
    }

    /**
     * Applies relative changes to locked levels. The {@code quantity_on_hand + delta >= 0} guard
     * (and the table's CHECK) make a wrong caller fail instead of overselling.
     */
    public void applyDeltas(Connection c, UUID tenant, Map<Level, Long> deltas) throws SQLException {
        List<Level> sorted = deltas.keySet().stream().filter(l -> deltas.get(l) != 0).sorted().toList();
        if (sorted.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE inventory SET quantity_on_hand = quantity_on_hand + ?, updated_at = now() "
                        + "WHERE tenant_id = ? AND hub_id = ? AND sku_id = ? AND quantity_on_hand + ? >= 0")) {
            for (Level l : sorted) {
                long d = deltas.get(l);
                ps.setLong(1, d);
                ps.setObject(2, tenant);
                ps.setObject(3, l.hubId());
                ps.setObject(4, l.skuId());
                ps.setLong(5, d);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] != 1) {
                    throw new SQLException("level " + sorted.get(i) + " would go below zero", "23514");
                }
            }
        }
    }

    /** One audit row per change, all in one statement. */
    public void record(Connection c, UUID tenant, List<Change> changes) throws SQLException {
        if (changes.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO inventory_transactions (tenant_id, hub_id, sku_id, delta, quantity_after, reason, reference, created_at) "
                        + "SELECT ?, h, s, d, q, r, ref, now() FROM unnest(?::uuid[], ?::uuid[], ?::bigint[], ?::bigint[], ?::text[], ?::text[]) "
                        + "WITH ORDINALITY AS t(h, s, d, q, r, ref, n) ORDER BY n")) {
            ps.setObject(1, tenant);
            ps.setArray(2, c.createArrayOf("uuid", changes.stream().map(Change::hubId).toArray()));
            ps.setArray(3, c.createArrayOf("uuid", changes.stream().map(Change::skuId).toArray()));
            ps.setArray(4, c.createArrayOf("bigint", changes.stream().map(Change::delta).toArray()));
            ps.setArray(5, c.createArrayOf("bigint", changes.stream().map(Change::quantityAfter).toArray()));
            ps.setArray(6, c.createArrayOf("text", changes.stream().map(Change::reason).toArray()));
            ps.setArray(7, c.createArrayOf("text", changes.stream().map(Change::reference).toArray()));
            ps.executeUpdate();
        }
    }

    /**
     * Claims allocation rows for the orders, in order id order (a global lock order again). Answers
     * the order ids claimed now; the others already had a row (or a concurrent claim committed first).
     */
    public List<String> claim(Connection c, UUID tenant, List<String> orderIds, List<UUID> hubIds, List<String> itemsJson,
                              Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO allocations (tenant_id, order_id, hub_id, status, items, allocated_at) "
                        + "SELECT ?, o, h, 'allocated', i::jsonb, ? FROM unnest(?::text[], ?::uuid[], ?::text[]) "
                        + "WITH ORDINALITY AS t(o, h, i, n) ORDER BY o "
                        + "ON CONFLICT (tenant_id, order_id) DO NOTHING RETURNING order_id")) {
            ps.setObject(1, tenant);
            ps.setTimestamp(2, Timestamp.from(at));
            ps.setArray(3, c.createArrayOf("text", orderIds.toArray()));
            ps.setArray(4, c.createArrayOf("uuid", hubIds.toArray()));
            ps.setArray(5, c.createArrayOf("text", itemsJson.toArray()));
            List<String> claimed = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    claimed.add(rs.getString(1));
                }
            }
            return claimed;
        }
    }

    public void unclaim(Connection c, UUID tenant, List<String> orderIds) throws SQLException {
        if (orderIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM allocations WHERE tenant_id = ? AND order_id = ANY (?)")) {
            ps.setObject(1, tenant);
            ps.setArray(2, c.createArrayOf("text", orderIds.toArray()));
            ps.executeUpdate();
        }
    }

    public Map<String, AllocationRow> allocations(Connection c, UUID tenant, List<String> orderIds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT order_id, hub_id, status, items::text, allocated_at, released_at FROM allocations "
                        + "WHERE tenant_id = ? AND order_id = ANY (?)")) {
            ps.setObject(1, tenant);
            ps.setArray(2, c.createArrayOf("text", orderIds.toArray()));
            Map<String, AllocationRow> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new AllocationRow(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6))));
                }
            }
            return out;
        }
    }

    /** Marks an allocation released, or leaves a released tombstone when the order was never allocated. */
    public AllocationRow release(Connection c, UUID tenant, String orderId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO allocations (tenant_id, order_id, hub_id, status, items, released_at) "
                        + "VALUES (?, ?, NULL, 'released', '[]'::jsonb, now()) ON CONFLICT (tenant_id, order_id) DO NOTHING")) {
            ps.setObject(1, tenant);
            ps.setString(2, orderId);
            if (ps.executeUpdate() == 1) {
                return new AllocationRow(orderId, null, "released", "[]", null, Instant.now());
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE allocations a SET status = 'released', released_at = now() "
                        + "FROM (SELECT tenant_id, order_id, status AS old_status FROM allocations "
                        + "      WHERE tenant_id = ? AND order_id = ? FOR UPDATE) o "
                        + "WHERE a.tenant_id = o.tenant_id AND a.order_id = o.order_id "
                        + "RETURNING a.order_id, a.hub_id, o.old_status, a.items::text, a.allocated_at, a.released_at")) {
            ps.setObject(1, tenant);
            ps.setString(2, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                // status here is the one before this call: "allocated" means stock must go back now.
                return new AllocationRow(rs.getString(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                        instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)));
            }
        }
    }

    public List<Transaction> transactions(Connection c, UUID tenant, UUID hub, UUID sku, String reference,
                                          Instant from, Instant to, Long beforeId, int limit) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id, hub_id, sku_id, delta, quantity_after, reason, reference, created_at "
                + "FROM inventory_transactions WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(tenant));
        if (hub != null) {
            sql.append(" AND hub_id = ?");
            args.add(hub);
        }
        if (sku != null) {
            sql.append(" AND sku_id = ?");
            args.add(sku);
        }
        if (reference != null) {
            sql.append(" AND reference = ?");
            args.add(reference);
        }
        if (from != null) {
            sql.append(" AND created_at >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" AND created_at < ?");
            args.add(Timestamp.from(to));
        }
        if (beforeId != null) {
            sql.append(" AND id < ?");
            args.add(beforeId);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        args.add(limit);
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            List<Transaction> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Transaction(rs.getLong(1), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class),
                            rs.getLong(4), rs.getLong(5), rs.getString(6), rs.getString(7), rs.getTimestamp(8).toInstant()));
                }
            }
            return out;
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
