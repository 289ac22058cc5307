package io.ordermesh.csv.service;

import io.ordermesh.common.catalogue.CatalogueReader;
import io.ordermesh.common.catalogue.CatalogueRefs.SkuRef;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The bulk-order CSV: the header (any column order, case-insensitive, extra columns ignored), and
 * each row checked on its own (shape) and against the catalogue (in batches). Reasons are written
 * for the person who will fix the file.
 */
final class OrderCsv {

    static final String ORDER_ID = "order_id";
    static final List<String> REQUIRED = List.of("sku_id", "quantity", "seller_id", "hub_id", "price");
    static final int MAX_ORDER_ID = 128;
    static final int MAX_QUANTITY = 1_000_000;

    /** Where each column is; built from the header row. */
    record Header(List<String> names, int orderId, int sku, int quantity, int seller, int hub, int price) {

        static Header of(List<String> fields) {
            List<String> names = new ArrayList<>(fields.size());
            Map<String, Integer> index = new HashMap<>();
            List<String> duplicated = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                String name = fields.get(i).trim();
                names.add(name);
                String key = name.toLowerCase(Locale.ROOT);
                if (index.putIfAbsent(key, i) != null && (REQUIRED.contains(key) || key.equals(ORDER_ID))) {
                    duplicated.add(key);
                }
            }
            if (names.stream().anyMatch(n -> n.indexOf('\0') >= 0 || n.indexOf('\uFFFD') >= 0)) {
                throw new FileRejected("the file is not a UTF-8 CSV text file (the header contains binary data)");
            }
            List<String> missing = REQUIRED.stream().filter(r -> !index.containsKey(r)).toList();
            if (!missing.isEmpty()) {
                throw new FileRejected("missing required column(s) " + String.join(", ", missing)
                        + "; the header must name sku_id, quantity, seller_id, hub_id, price and optionally order_id"
                        + " (found: " + abbreviate(String.join(",", names)) + ")");
            }
            if (!duplicated.isEmpty()) {
                throw new FileRejected("column(s) " + String.join(", ", duplicated) + " appear more than once in the header");
            }
            return new Header(List.copyOf(names), index.getOrDefault(ORDER_ID, -1), index.get("sku_id"),
                    index.get("quantity"), index.get("seller_id"), index.get("hub_id"), index.get("price"));
        }
    }

    /** One data row: its line in the file, its cells as uploaded, and what they mean once checked. */
    static final class Row {
        final long line;
        final List<String> raw;
        String orderId;
        UUID sku;
        int quantity;
        UUID seller;
        UUID hub;
        BigDecimal price;
        final List<String> errors = new ArrayList<>(1);

        Row(long line, List<String> raw) {
            this.line = line;
            this.raw = raw;
        }

        boolean valid() {
            return errors.isEmpty();
        }

        String reason() {
            return "line " + line + ": " + String.join("; ", errors);
        }
    }

    private OrderCsv() {
    }

    /** Shape checks that need nothing but the row itself. */
    static Row parse(Header h, long line, List<String> fields, int maxCellChars) {
        Row row = new Row(line, fields);
        if (fields.size() != h.names().size()) {
            row.errors.add("expected " + h.names().size() + " columns, found " + fields.size());
            return row;
        }
        for (String cell : fields) {
            if (cell.length() > maxCellChars) {
                row.errors.add("a cell is longer than " + maxCellChars + " characters");
                return row;
            }
            if (cell.indexOf('\uFFFD') >= 0 || cell.indexOf('\0') >= 0) {
                row.errors.add("the row contains bytes that are not UTF-8 text");
                return row;
            }
        }
        String id = orderIdCell(h, fields);
        if (id != null) {
            if (id.length() > MAX_ORDER_ID || id.chars().anyMatch(Character::isISOControl)) {
                row.errors.add("order_id must be at most " + MAX_ORDER_ID + " printable characters");
            } else {
                row.orderId = id;
            }
        }
        row.sku = id(row, "sku_id", fields.get(h.sku()));
        row.seller = id(row, "seller_id", fields.get(h.seller()));
        row.hub = id(row, "hub_id", fields.get(h.hub()));
        String q = fields.get(h.quantity()).trim();
        try {
            long quantity = Long.parseLong(q);
            if (quantity <= 0 || quantity > MAX_QUANTITY) {
                row.errors.add("quantity must be a whole number from 1 to " + MAX_QUANTITY + ", was '" + q + "'");
            } else {
                row.quantity = (int) quantity;
            }
        } catch (NumberFormatException e) {
            row.errors.add(q.isEmpty() ? "quantity is missing" : "quantity must be a whole number from 1 to " + MAX_QUANTITY
                    + ", was '" + abbreviate(q) + "'");
        }
        String p = fields.get(h.price()).trim();
        try {
            BigDecimal price = new BigDecimal(p);
            if (price.signum() < 0) {
                row.errors.add("price must not be negative, was '" + p + "'");
            } else if (price.stripTrailingZeros().scale() > 2) {
                row.errors.add("price must have at most 2 decimals, was '" + p + "'");
            } else if (price.compareTo(new BigDecimal("1000000000")) >= 0) {
                row.errors.add("price is too large, was '" + p + "'");
            } else {
                row.price = price;
            }
        } catch (NumberFormatException e) {
            row.errors.add(p.isEmpty() ? "price is missing" : "price must be a number such as 12.50, was '" + abbreviate(p) + "'");
        }
        return row;
    }

    /** The row's order_id cell, trimmed, or null when the file has no such column or the cell is blank. */
    static String orderIdCell(Header h, List<String> fields) {
        if (h.orderId() < 0 || h.orderId() >= fields.size()) {
            return null;
        }
        String id = fields.get(h.orderId()).trim();
        return id.isEmpty() ? null : id;
    }

    /** Catalogue checks for a batch of rows that passed the shape checks. */
    static void check(List<Row> rows, CatalogueReader.Refs refs) {
        for (Row r : rows) {
            if (!refs.sellers().containsKey(r.seller)) {
                r.errors.add("unknown seller_id " + r.seller);
            }
            if (!refs.hubs().containsKey(r.hub)) {
                r.errors.add("unknown hub_id " + r.hub);
            }
            SkuRef sku = refs.skus().get(r.sku);
            if (sku == null) {
                r.errors.add("unknown sku_id " + r.sku);
            } else if (!sku.sellerId().equals(r.seller)) {
                r.errors.add("sku_id " + r.sku + " belongs to another seller");
            }
        }
    }

    private static UUID id(Row row, String column, String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            row.errors.add(column + " is missing");
            return null;
        }
        try {
            return UUID.fromString(v);
        } catch (IllegalArgumentException e) {
            row.errors.add(column + " is not an id (UUID): '" + abbreviate(v) + "'");
            return null;
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
