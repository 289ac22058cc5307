package io.ordermesh.loadtest;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Writes a bulk-order CSV as sellers upload them: multi-item orders (rows sharing an
 * {@code order_id}, adjacent), single-item orders with and without an id, quantities and prices
 * that vary, and exactly {@code round(rows * invalidShare)} invalid rows spread evenly through the
 * file. Each invalid row is an order of its own, so it never takes a valid row down with it and
 * the expected counts are exact.
 */
final class CsvGenerator {

    static final String HEADER = "order_id,sku_id,quantity,seller_id,hub_id,price";

    /** Why a generated row is invalid; each is a rule csv-processor must enforce. */
    enum Invalid { ZERO_QUANTITY, UNKNOWN_SKU, NEGATIVE_PRICE, MISSING_HUB, MALFORMED_QUANTITY }

    /** What the file holds, so a run can check the suite's counts against it. */
    record Stats(long rows, long invalidRows, long validRows, long validOrders, long multiItemOrders, long units) {
    }

    private final Fixture fixture;
    private final double invalidShare;
    private final long seed;

    CsvGenerator(Fixture fixture, double invalidShare, long seed) {
        if (invalidShare < 0 || invalidShare > 1) {
            throw new IllegalArgumentException("invalid share must be between 0 and 1, was " + invalidShare);
        }
        this.fixture = fixture;
        this.invalidShare = invalidShare;
        this.seed = seed;
    }

    /** Exactly this many of {@code rows} rows are invalid. */
    static long invalidCount(long rows, double share) {
        return Math.round(rows * share);
    }

    /** Row {@code i} (0-based) is invalid: evenly spread, exactly {@code invalid} of {@code rows}. */
    static boolean isInvalid(long i, long rows, long invalid) {
        return invalid > 0 && (i + 1) * invalid / rows > i * invalid / rows;
    }

    Stats write(Path file, long rows) {
        long invalid = invalidCount(rows, invalidShare);
        SplittableRandom random = new SplittableRandom(seed);
        String prefix = "LT" + Long.toHexString(seed & 0xffffff) + "-";
        List<String> skus = fixture.skus();
        long validRows = 0;
        long orders = 0;
        long multi = 0;
        long units = 0;
        long invalidWritten = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            long i = 0;
            while (i < rows) {
                if (isInvalid(i, rows, invalid)) {
                    writeInvalid(w, Invalid.values()[(int) (invalidWritten % Invalid.values().length)], random);
                    invalidWritten++;
                    i++;
                    continue;
                }
                // Order sizes as shops see them: mostly one item, some two or three, a few up to five.
                int roll = random.nextInt(100);
                int size = roll < 55 ? 1 : roll < 80 ? 2 : roll < 93 ? 3 : 4 + random.nextInt(2);
                int n = 0;
                while (n < size && i + n < rows && !isInvalid(i + n, rows, invalid)) {
                    n++;
                }
                // A single-item order often comes without an id; the processor derives one from the line.
                String orderId = n == 1 && random.nextBoolean() ? "" : prefix + orders;
                int firstSku = random.nextInt(skus.size());
                for (int k = 0; k < n; k++) {
                    int qty = 1 + (random.nextInt(10) < 7 ? 0 : random.nextInt(4));
                    // distinct SKUs within an order, as a basket has
                    String sku = skus.get((firstSku + k) % skus.size());
                    row(w, orderId, sku, Integer.toString(qty), fixture.seller(), fixture.hub(), price(random));
                    units += qty;
                }
                validRows += n;
                orders++;
                if (n > 1) {
                    multi++;
                }
                i += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Stats(rows, invalidWritten, validRows, orders, multi, units);
    }

    private void writeInvalid(BufferedWriter w, Invalid kind, SplittableRandom random) throws IOException {
        String sku = fixture.skus().get(random.nextInt(fixture.skus().size()));
        switch (kind) {
            case ZERO_QUANTITY -> row(w, "", sku, "0", fixture.seller(), fixture.hub(), price(random));
            case UNKNOWN_SKU -> row(w, "", new UUID(random.nextLong(), random.nextLong()).toString(), "1", fixture.seller(), fixture.hub(), price(random));
            case NEGATIVE_PRICE -> row(w, "", sku, "1", fixture.seller(), fixture.hub(), "-" + price(random));
            case MISSING_HUB -> row(w, "", sku, "1", fixture.seller(), "", price(random));
            case MALFORMED_QUANTITY -> row(w, "", sku, "two", fixture.seller(), fixture.hub(), price(random));
        }
    }

    private static String price(SplittableRandom random) {
        int cents = 199 + random.nextInt(9800);
        return cents / 100 + "." + String.format("%02d", cents % 100);
    }

    private static void row(BufferedWriter w, String order, String sku, String qty, String seller, String hub, String price)
            throws IOException {
        w.write(order);
        w.write(',');
        w.write(sku);
        w.write(',');
        w.write(qty);
        w.write(',');
        w.write(seller);
        w.write(',');
        w.write(hub);
        w.write(',');
        w.write(price);
        w.write('\n');
    }
}
