package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CsvGeneratorTest {

    static final Fixture FIXTURE = new Fixture(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString(),
            List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString(),
                    UUID.randomUUID().toString()));

    @TempDir
    Path dir;

    /** The rules csv-processor applies, written again from DESIGN.md's CSV format, to judge each generated row. */
    static boolean valid(String[] c) {
        if (c.length != 6 || c[4].isEmpty() || !FIXTURE.skus().contains(c[1])) {
            return false;
        }
        try {
            return Integer.parseInt(c[2]) > 0 && new BigDecimal(c[5]).signum() >= 0 && new BigDecimal(c[5]).scale() <= 2;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @ParameterizedTest
    @CsvSource({"1000,0.02", "2000,0.1", "997,0.033", "10,0.5", "500,0", "100000,0.01"})
    void exactlyTheRequestedShareOfRowsIsInvalidAndTheStatsMatchTheFile(long rows, double share) throws Exception {
        Path file = dir.resolve("o.csv");
        CsvGenerator.Stats stats = new CsvGenerator(FIXTURE, share, 7).write(file, rows);
        List<String> lines = Files.readAllLines(file);
        assertEquals(CsvGenerator.HEADER, lines.get(0));
        assertEquals(rows, lines.size() - 1);
        long invalid = 0;
        long units = 0;
        Set<String> orders = new HashSet<>();
        long singleWithoutId = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            if (!valid(c)) {
                invalid++;
                assertTrue(c[0].isEmpty(), "an invalid row is an order of its own: " + line);
                continue;
            }
            units += Integer.parseInt(c[2]);
            if (c[0].isEmpty()) {
                singleWithoutId++; // its own order, id derived from the line by the processor
            } else {
                orders.add(c[0]);
            }
        }
        assertEquals(Math.round(rows * share), invalid);
        assertEquals(invalid, stats.invalidRows());
        assertEquals(rows - invalid, stats.validRows());
        assertEquals(orders.size() + singleWithoutId, stats.validOrders());
        assertEquals(units, stats.units());
    }

    @Test
    void ordersLookRealMultiItemAdjacentDistinctSkusOneSellerAndHubVaryingQuantitiesAndPrices() throws Exception {
        Path file = dir.resolve("o.csv");
        CsvGenerator.Stats stats = new CsvGenerator(FIXTURE, 0.02, 3).write(file, 20_000);
        List<String> lines = Files.readAllLines(file).subList(1, 20_001);
        Map<String, List<String[]>> byOrder = new LinkedHashMap<>();
        Map<String, Integer> lastLine = new HashMap<>();
        Set<String> quantities = new HashSet<>();
        Set<String> prices = new HashSet<>();
        long withoutId = 0;
        for (int i = 0; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",", -1);
            if (!valid(c)) {
                continue;
            }
            quantities.add(c[2]);
            prices.add(c[5]);
            if (c[0].isEmpty()) {
                withoutId++;
                continue;
            }
            Integer prev = lastLine.put(c[0], i);
            assertTrue(prev == null || prev == i - 1, "rows of order " + c[0] + " are adjacent");
            byOrder.computeIfAbsent(c[0], k -> new java.util.ArrayList<>()).add(c);
        }
        long multi = byOrder.values().stream().filter(rows -> rows.size() > 1).count();
        assertEquals(stats.multiItemOrders(), multi);
        assertTrue(multi > stats.validOrders() / 4, "a good share of orders has several items: " + multi + " of " + stats.validOrders());
        assertTrue(byOrder.values().stream().anyMatch(rows -> rows.size() >= 4), "some baskets are large");
        assertTrue(withoutId > 1000, "single-item rows often come without an order id");
        for (List<String[]> rows : byOrder.values()) {
            assertEquals(rows.size(), rows.stream().map(r -> r[1]).distinct().count(), "distinct SKUs in an order");
            assertEquals(1, rows.stream().map(r -> r[3] + r[4]).distinct().count(), "one seller and hub per order");
        }
        assertTrue(quantities.size() >= 3, "quantities vary: " + quantities);
        assertTrue(prices.size() > 100, "prices vary");
    }

    @Test
    void theSameSeedWritesTheSameFileAndAnotherSeedAnotherOne() throws Exception {
        new CsvGenerator(FIXTURE, 0.05, 11).write(dir.resolve("a.csv"), 3000);
        new CsvGenerator(FIXTURE, 0.05, 11).write(dir.resolve("b.csv"), 3000);
        new CsvGenerator(FIXTURE, 0.05, 12).write(dir.resolve("c.csv"), 3000);
        assertEquals(Files.readString(dir.resolve("a.csv")), Files.readString(dir.resolve("b.csv")));
        assertFalse(Files.readString(dir.resolve("a.csv")).equals(Files.readString(dir.resolve("c.csv"))));
    }

    @Test
    void everyKindOfInvalidRowAppears() throws Exception {
        Path file = dir.resolve("o.csv");
        new CsvGenerator(FIXTURE, 0.1, 5).write(file, 1000);
        Set<String> kinds = new HashSet<>();
        for (String line : Files.readAllLines(file).subList(1, 1001)) {
            String[] c = line.split(",", -1);
            if (!valid(c)) {
                kinds.add(c[2].equals("0") ? "zero" : c[2].equals("two") ? "malformed" : c[4].isEmpty() ? "no hub"
                        : c[5].startsWith("-") ? "negative price" : !FIXTURE.skus().contains(c[1]) ? "unknown sku" : "other " + line);
            }
        }
        assertEquals(Set.of("zero", "malformed", "no hub", "negative price", "unknown sku"), kinds);
    }
}
