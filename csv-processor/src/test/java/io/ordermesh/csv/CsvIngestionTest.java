package io.ordermesh.csv;

import io.micrometer.core.instrument.MeterRegistry;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.common.uploads.UploadMessage;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
class CsvIngestionTest {

    @Inject
    CsvFixtures fx;
    @Inject
    MeterRegistry metrics;

    @Test
    void aMixedFileGivesExactCountsReasonsOrdersAndEvents() {
        var c = fx.catalogue(3);
        var other = fx.catalogue(1);
        String s0 = c.skus().get(0), s1 = c.skus().get(1), s2 = c.skus().get(2);
        String unknown = UUID.randomUUID().toString();
        // Columns in another order, an extra "note" column, upper case, BOM and CRLF.
        String csv = "\uFEFFNote,ORDER_ID,sku_id,Quantity,seller_id,hub_id,price\r\n"
                + row("plain", "", s0, "1", c.seller(), c.hub(), "10.00")                          // line 2: own order
                + row("\"quoted, with comma\"", "A-1", s0, "2", c.seller(), c.hub(), "10")           // line 3: A-1 first item
                + row("\"two\nlines\"", "", s1, "3", c.seller(), c.hub(), "2.5")                   // line 4-5: own order
                + row("", "", s0, "0", c.seller(), c.hub(), "1")                                    // line 6: quantity 0
                + row("", "", s0, "1", c.seller(), c.hub(), "-1")                                   // line 7: negative price
                + row("", "", "not-an-id", "1", c.seller(), c.hub(), "1")                           // line 8: malformed id
                + row("=HYPERLINK(\"x\")", "", unknown, "1", c.seller(), c.hub(), "1")              // line 9: unknown sku, formula
                + row("", "", s0, "1", c.seller(), UUID.randomUUID().toString(), "1")               // line 10: unknown hub
                + row("", "", other.skus().get(0), "1", c.seller(), c.hub(), "1")                   // line 11: another tenant's sku
                + row("", "", c.otherSellersSku(), "1", c.seller(), c.hub(), "1")                   // line 12: another seller's sku
                + "too,few,columns\r\n"                                                             // line 13
                + row("", "B-1", s0, "1", c.seller(), c.hub(), "5")                                 // line 14: B-1 ...
                + row("", "A-1", s2, "1", c.seller(), c.hub(), "7.25")                              // line 15: A-1 second item, far apart
                + row("", "B-1", c.otherSellersSku(), "1", c.otherSeller(), c.hub(), "5")           // line 16: ... B-1 disagrees
                + row("", "", s2, "4", c.seller(), c.hub(), "")                                     // line 17: price missing
                + row("", "C-1", s1, "1", c.seller(), c.hub(), "1");                                // line 18: C-1 alone
        String upload = fx.upload(c.tenant(), csv.getBytes(StandardCharsets.UTF_8));

        Document job = fx.awaitFinished(upload, Duration.ofSeconds(60));
        assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS), () -> job.toJson());
        assertEquals(16L, job.get(UploadDocuments.ROWS_TOTAL));
        assertEquals(5L, job.get(UploadDocuments.ROWS_VALID), "lines 2, 3, 4, 15 and 18");
        assertEquals(11L, job.get(UploadDocuments.ROWS_INVALID));
        assertEquals(4L, job.get(UploadDocuments.ORDERS_CREATED));
        assertEquals(UploadDocuments.errorKey(c.tenant(), upload), job.getString(UploadDocuments.ERROR_KEY));

        Map<String, Document> orders = fx.orders(upload).stream()
                .collect(Collectors.toMap(d -> d.getString(OrderDocuments.ORDER_ID), d -> d));
        assertEquals(Set.of(upload + "-2", upload + "-4", "A-1", "C-1"), orders.keySet());
        Document a1 = orders.get("A-1");
        assertEquals(List.of(s0, s2), a1.getList(OrderDocuments.ITEMS, Document.class).stream().map(i -> i.getString("sku_id")).toList());
        assertEquals("27.25", a1.get(OrderDocuments.TOTAL).toString());
        assertEquals("on_hold", a1.getString(OrderDocuments.STATUS));
        assertNull(a1.get("outbox_hold"), "released at the end of the file");
        assertNull(a1.get("held_rows"));

        String errors = fx.errorFile(c.tenant(), upload);
        assertEquals("Note,ORDER_ID,sku_id,Quantity,seller_id,hub_id,price,error", errors.substring(0, errors.indexOf('\n')).strip());
        assertEquals(11, errors.split("line \\d+: ", -1).length - 1, "one reason per invalid row: " + errors);
        assertTrue(errors.contains("line 6: quantity must be a whole number from 1 to 1000000, was '0'"), errors);
        assertTrue(errors.contains("line 7: price must not be negative, was '-1'"), errors);
        assertTrue(errors.contains("line 8: sku_id is not an id (UUID): 'not-an-id'"), errors);
        assertTrue(errors.contains("line 9: unknown sku_id " + unknown), errors);
        assertTrue(errors.contains("'=HYPERLINK"), "formula neutralised: " + errors);
        assertTrue(errors.contains("line 10: unknown hub_id"), errors);
        assertTrue(errors.contains("line 11: unknown sku_id " + other.skus().get(0)), errors);
        assertTrue(errors.contains("line 12: sku_id " + c.otherSellersSku() + " belongs to another seller"), errors);
        assertTrue(errors.contains("line 13: expected 7 columns, found 3"), errors);
        assertTrue(errors.contains("line 14: the rows of order B-1 disagree on seller_id or hub_id"), errors);
        assertTrue(errors.contains("line 16: the rows of order B-1 disagree on seller_id or hub_id"), errors);
        assertTrue(errors.contains("line 17: price is missing"), errors);
        assertTrue(errors.contains(",'-1,"), "a cell starting with - is neutralised too: " + errors);

        List<OrderEvent> events = fx.createdEvents(c.tenant(), e -> e.size() >= 4, Duration.ofSeconds(30));
        assertEquals(Set.of(upload + "-2", upload + "-4", "A-1", "C-1"),
                events.stream().map(e -> e.order().orderId()).collect(Collectors.toSet()));
        OrderEvent a1Event = events.stream().filter(e -> e.order().orderId().equals("A-1")).findFirst().orElseThrow();
        assertEquals(2, a1Event.order().items().size(), "the event announces the whole order, never half of it");
        assertEquals(OrderEvent.CREATED, a1Event.type());
        assertEquals("csv", a1Event.order().source().type());
    }

    @Test
    void anOrderWholeInOneBatchWhoseIdTheTenantHasAlreadyIsRejectedAndTheFirstOneKept() {
        var c = fx.catalogue(2);
        String s0 = c.skus().get(0), s1 = c.skus().get(1);
        String header = "order_id,sku_id,quantity,seller_id,hub_id,price\n";
        String first = fx.upload(c.tenant(), (header + row("K-1", s0, "1", c.seller(), c.hub(), "2")
                + row("K-1", s1, "1", c.seller(), c.hub(), "3")).getBytes(StandardCharsets.UTF_8));
        assertEquals(1L, fx.awaitFinished(first, Duration.ofSeconds(60)).get(UploadDocuments.ORDERS_CREATED));

        String second = fx.upload(c.tenant(), (header + row("K-1", s1, "5", c.seller(), c.hub(), "9")
                + row("K-1", s0, "5", c.seller(), c.hub(), "9")
                + row("K-2", s0, "1", c.seller(), c.hub(), "1")).getBytes(StandardCharsets.UTF_8));
        Document job = fx.awaitFinished(second, Duration.ofSeconds(60));
        assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS), job::toJson);
        assertEquals(1L, job.get(UploadDocuments.ROWS_VALID), "K-2 only");
        assertEquals(2L, job.get(UploadDocuments.ROWS_INVALID));
        assertEquals(1L, job.get(UploadDocuments.ORDERS_CREATED));
        String errors = fx.errorFile(c.tenant(), second);
        assertTrue(errors.contains("line 2: order_id K-1 already exists for this tenant"), errors);
        assertTrue(errors.contains("line 3: order_id K-1 already exists for this tenant"), errors);
        Document kept = fx.orders(first).stream().filter(d -> "K-1".equals(d.getString(OrderDocuments.ORDER_ID)))
                .findFirst().orElseThrow();
        assertEquals(List.of(s0, s1), skus(kept), "the tenant's first K-1 is untouched");
        assertEquals(0, new java.math.BigDecimal("5").compareTo(new java.math.BigDecimal(kept.get(OrderDocuments.TOTAL).toString())),
                "total of the first upload's rows: " + kept.get(OrderDocuments.TOTAL));
    }

    @Test
    void aRedeliveredOrReprocessedMessageCreatesNoDuplicates() {
        var c = fx.catalogue(2);
        StringBuilder csv = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        for (int i = 0; i < 2500; i++) {
            String order = i % 5 == 0 ? "" : "R-" + (i / 2);
            csv.append(row(order, c.skus().get(i % 2), "1", c.seller(), c.hub(), "1.5"));
        }
        String upload = fx.upload(c.tenant(), csv.toString().getBytes(StandardCharsets.UTF_8));
        Document first = fx.awaitFinished(upload, Duration.ofSeconds(90));
        assertEquals(UploadDocuments.COMPLETED, first.getString(UploadDocuments.STATUS));
        int orders = fx.orders(upload).size();

        // The same message again (SQS redelivery): the job is done, nothing happens.
        Document job = fx.job(upload);
        fx.announce(new UploadMessage(UUID.fromString(c.tenant()), job.getString(UploadDocuments.BUCKET),
                job.getString(UploadDocuments.KEY), upload));
        // And a full reprocessing, as after a crash before the message was deleted.
        fx.db.getCollection(UploadDocuments.COLLECTION).updateOne(new Document("_id", upload),
                new Document("$set", new Document(UploadDocuments.STATUS, UploadDocuments.QUEUED)));
        fx.announce(new UploadMessage(UUID.fromString(c.tenant()), job.getString(UploadDocuments.BUCKET),
                job.getString(UploadDocuments.KEY), upload));
        Document again = fx.awaitFinished(upload, Duration.ofSeconds(90));
        assertEquals(UploadDocuments.COMPLETED, again.getString(UploadDocuments.STATUS));
        assertEquals(orders, fx.orders(upload).size(), "no duplicate order");
        assertEquals(first.get(UploadDocuments.ROWS_VALID), again.get(UploadDocuments.ROWS_VALID));
        assertEquals((long) orders, again.get(UploadDocuments.ORDERS_CREATED));
        List<OrderEvent> events = fx.createdEvents(c.tenant(), e -> distinctOrders(e) >= orders, Duration.ofSeconds(60));
        assertEquals(orders, distinctOrders(events), "every order announced at least once");
    }

    @Test
    void ordersSpanningBatchesAreWholeOnceAndStayExactWhenTheFileIsProcessedAgain() {
        var c = fx.catalogue(3);
        String s0 = c.skus().get(0), s1 = c.skus().get(1), s2 = c.skus().get(2);
        // 2,600 rows, batches of 1,000 (lines 2-1001, 1002-2001, 2002-2601). X-1 has a row in each
        // batch, S-1 straddles the first boundary, Y-1's second row (other seller, batch 2) makes
        // both its rows invalid, Z-1 starts in the last batch; every other row is an order of its own.
        Map<Integer, String> special = Map.of(
                2, row("X-1", s0, "1", c.seller(), c.hub(), "1"),
                3, row("Y-1", s0, "1", c.seller(), c.hub(), "1"),
                1001, row("S-1", s0, "1", c.seller(), c.hub(), "1"),
                1002, row("S-1", s1, "2", c.seller(), c.hub(), "1"),
                1502, row("X-1", s1, "2", c.seller(), c.hub(), "1"),
                1503, row("Y-1", c.otherSellersSku(), "1", c.otherSeller(), c.hub(), "1"),
                2501, row("X-1", s2, "3", c.seller(), c.hub(), "1"),
                2600, row("Z-1", s0, "1", c.seller(), c.hub(), "1"),
                2601, row("Z-1", s1, "1", c.seller(), c.hub(), "1"));
        StringBuilder csv = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        for (int line = 2; line <= 2601; line++) {
            csv.append(special.getOrDefault(line, row("", s0, "1", c.seller(), c.hub(), "1")));
        }
        long singles = 2600 - special.size();
        double validBefore = rowsCounted("valid");
        double invalidBefore = rowsCounted("invalid");
        String upload = fx.upload(c.tenant(), csv.toString().getBytes(StandardCharsets.UTF_8));

        for (int run = 1; run <= 2; run++) {
            Document job = fx.awaitFinished(upload, Duration.ofSeconds(90));
            assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS), job::toJson);
            assertEquals(2600L, job.get(UploadDocuments.ROWS_TOTAL), "run " + run);
            assertEquals(2598L, job.get(UploadDocuments.ROWS_VALID), "run " + run);
            assertEquals(2L, job.get(UploadDocuments.ROWS_INVALID), "run " + run);
            assertEquals(singles + 3, job.get(UploadDocuments.ORDERS_CREATED), "run " + run + ": the singles, X-1, S-1 and Z-1");

            Map<String, Document> orders = fx.orders(upload).stream()
                    .collect(Collectors.toMap(d -> d.getString(OrderDocuments.ORDER_ID), d -> d));
            assertEquals(singles + 3, orders.size(), "run " + run);
            assertEquals(List.of(s0, s1, s2), skus(orders.get("X-1")), "X-1 whole, its rows in order");
            assertEquals(List.of(s0, s1), skus(orders.get("S-1")));
            assertEquals(List.of(s0, s1), skus(orders.get("Z-1")));
            assertTrue(!orders.containsKey("Y-1"), "rows that disagree make no order");
            for (String held : List.of("X-1", "S-1", "Z-1")) {
                assertNull(orders.get(held).get("outbox_hold"), held + " released");
            }
            String errors = fx.errorFile(c.tenant(), upload);
            assertEquals(2, errors.split("line \\d+: ", -1).length - 1, errors);
            assertTrue(errors.contains("line 3: the rows of order Y-1 disagree"), errors);
            assertTrue(errors.contains("line 1503: the rows of order Y-1 disagree"), errors);
            assertEquals(0, fx.db.getCollection("csv_held_orders").countDocuments(new Document("upload_id", upload)),
                    "the end of the file forgets its notes");

            if (run == 2) {
                break;
            }
            assertEquals(2598.0, rowsCounted("valid") - validBefore, "ordermesh_csv_rows_total counts each row once");
            assertEquals(2.0, rowsCounted("invalid") - invalidBefore);
            // Processed again from the start, as after a crash before the message was deleted.
            fx.db.getCollection(UploadDocuments.COLLECTION).updateOne(new Document("_id", upload),
                    new Document("$set", new Document(UploadDocuments.STATUS, UploadDocuments.QUEUED)));
            fx.announce(new UploadMessage(UUID.fromString(c.tenant()), job.getString(UploadDocuments.BUCKET),
                    job.getString(UploadDocuments.KEY), upload));
        }
        List<OrderEvent> events = fx.createdEvents(c.tenant(), e -> distinctOrders(e) >= singles + 3, Duration.ofSeconds(60));
        assertEquals(singles + 3, distinctOrders(events), "every order announced");
        assertTrue(events.stream().filter(e -> e.order().orderId().equals("X-1")).allMatch(e -> e.order().items().size() == 3),
                "X-1 announced whole, never in part");
    }

    @Test
    void manyHeldOrdersAreSettledWholeAndTheirErrorsListedInFileOrder() {
        var c = fx.catalogue(3);
        String s0 = c.skus().get(0), s1 = c.skus().get(1);
        // 60,000 rows in 60 batches: a two-row order across 57 of the boundaries, 1,200 orders whose
        // second row comes 10,000 rows later, and two orders whose rows disagree, one held in the
        // first batch and one in the last but one. More notes than one read takes and more held
        // orders than one settling round: the end of the file settles them over several of each.
        int rows = 60_000;
        Map<Integer, String> special = new HashMap<>();
        for (int j = 0; j < 1200; j++) {
            special.put(40_100 + j, row("L-" + j, s0, "1", c.seller(), c.hub(), "1"));
            special.put(50_100 + j, row("L-" + j, s1, "2", c.seller(), c.hub(), "1"));
        }
        int straddling = 0;
        for (int k = 1; k < 60; k++) {
            if (k != 41 && k != 51) { // those boundaries lie among the L rows
                special.put(1000 * k - 1, row("B-" + k, s0, "1", c.seller(), c.hub(), "1"));
                special.put(1000 * k, row("B-" + k, s1, "1", c.seller(), c.hub(), "1"));
                straddling++;
            }
        }
        special.put(998, row("C-first", s0, "1", c.seller(), c.hub(), "1"));
        special.put(1500, row("C-first", c.otherSellersSku(), "1", c.otherSeller(), c.hub(), "1"));
        special.put(58_500, row("C-last", s0, "1", c.seller(), c.hub(), "1"));
        special.put(59_500, row("C-last", c.otherSellersSku(), "1", c.otherSeller(), c.hub(), "1"));
        StringBuilder csv = new StringBuilder(5_000_000).append("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        for (int p = 0; p < rows; p++) {
            csv.append(special.getOrDefault(p, row("", s0, "1", c.seller(), c.hub(), "1")));
        }
        long held = straddling + 1200;
        long orders = rows - special.size() + held;

        String upload = fx.upload(c.tenant(), csv.toString().getBytes(StandardCharsets.UTF_8));
        Document job = fx.awaitFinished(upload, Duration.ofMinutes(3));
        assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS), job::toJson);
        assertEquals(4L, job.get(UploadDocuments.ROWS_INVALID));
        assertEquals(orders, job.get(UploadDocuments.ORDERS_CREATED));
        assertEquals(orders, fx.countOrders(upload));
        Map<String, Document> heldOrders = fx.orders(upload).stream().filter(d -> d.getString(OrderDocuments.ORDER_ID).length() < 10)
                .collect(Collectors.toMap(d -> d.getString(OrderDocuments.ORDER_ID), d -> d));
        assertEquals(held, heldOrders.size(), "every L and B order, no C order");
        for (Document d : heldOrders.values()) {
            assertEquals(List.of(s0, s1), skus(d), d.getString(OrderDocuments.ORDER_ID) + " whole, its rows in order");
            assertNull(d.get("outbox_hold"), d.getString(OrderDocuments.ORDER_ID) + " released");
        }
        String errors = fx.errorFile(c.tenant(), upload);
        // Line = position + 2 (the header is line 1).
        List<String> expected = List.of("line 1000: the rows of order C-first disagree", "line 1502: the rows of order C-first disagree",
                "line 58502: the rows of order C-last disagree", "line 59502: the rows of order C-last disagree");
        int at = -1;
        for (String line : expected) {
            int next = errors.indexOf(line);
            assertTrue(next > at, line + " after the one before it in:\n" + errors);
            at = next;
        }
        List<OrderEvent> events = fx.createdEvents(c.tenant(), e -> distinctOrders(e) >= orders, Duration.ofMinutes(2));
        assertEquals(orders, distinctOrders(events), "every order announced, the held ones too");
    }

    private double rowsCounted(String result) {
        var counter = metrics.find("ordermesh.csv.rows").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    private static List<String> skus(Document order) {
        return order.getList(OrderDocuments.ITEMS, Document.class).stream().map(i -> i.getString("sku_id")).toList();
    }

    @Test
    void badFilesAreRejectedWithAReasonAndTheWorkerCarriesOn() {
        var c = fx.catalogue(1);
        Map<String, byte[]> files = Map.of(
                "the file is empty", new byte[0],
                "the file has a header but no rows", "order_id,sku_id,quantity,seller_id,hub_id,price\r\n".getBytes(StandardCharsets.UTF_8),
                "missing required column(s) hub_id, price", "sku_id,quantity,seller_id\n1,2,3\n".getBytes(StandardCharsets.UTF_8),
                "the file is not a UTF-8 CSV text file", binary());
        Map<String, String> uploads = new java.util.HashMap<>();
        files.forEach((reason, bytes) -> uploads.put(reason, fx.upload(c.tenant(), bytes)));
        uploads.forEach((reason, upload) -> {
            Document job = fx.awaitFinished(upload, Duration.ofSeconds(60));
            assertEquals(UploadDocuments.FAILED, job.getString(UploadDocuments.STATUS), reason);
            assertTrue(job.getString(UploadDocuments.FAILURE_REASON).startsWith(reason), job.getString(UploadDocuments.FAILURE_REASON));
            assertEquals(0, fx.orders(upload).size());
        });

        // A 10 MB line among good rows: that row is invalid, the others become orders.
        String huge = "x".repeat(10 * 1024 * 1024);
        String csv = "order_id,sku_id,quantity,seller_id,hub_id,price,note\n"
                + row("", c.skus().get(0), "1", c.seller(), c.hub(), "1", "ok")
                + row("", c.skus().get(0), "1", c.seller(), c.hub(), "1", huge)
                + row("", c.skus().get(0), "2", c.seller(), c.hub(), "1", "ok");
        String upload = fx.upload(c.tenant(), csv.getBytes(StandardCharsets.UTF_8));
        Document job = fx.awaitFinished(upload, Duration.ofSeconds(60));
        assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS));
        assertEquals(2L, job.get(UploadDocuments.ROWS_VALID));
        assertEquals(1L, job.get(UploadDocuments.ROWS_INVALID));
        assertTrue(fx.errorFile(c.tenant(), upload).contains("line 3: a cell is longer than 1024 characters"));

        // Not UTF-8 in one row: that row is invalid, not the file.
        ByteArrayOutputStream latin = new ByteArrayOutputStream();
        latin.writeBytes(("order_id,sku_id,quantity,seller_id,hub_id,price\n" + row("", c.skus().get(0), "1", c.seller(), c.hub(), "1"))
                .getBytes(StandardCharsets.UTF_8));
        latin.writeBytes(("Caf\u00e9," + c.skus().get(0) + ",1," + c.seller() + "," + c.hub() + ",1\n").getBytes(StandardCharsets.ISO_8859_1));
        String upload2 = fx.upload(c.tenant(), latin.toByteArray());
        Document job2 = fx.awaitFinished(upload2, Duration.ofSeconds(60));
        assertEquals(1L, job2.get(UploadDocuments.ROWS_VALID));
        assertTrue(fx.errorFile(c.tenant(), upload2).contains("line 3: the row contains bytes that are not UTF-8 text"));
    }

    @Test
    void aHundredThousandRowFileEndToEnd() {
        var c = fx.catalogue(20);
        StringBuilder csv = new StringBuilder(8_000_000).append("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        int rows = 100_000;
        for (int i = 0; i < rows; i++) {
            // Mostly two-item orders with adjacent rows, every tenth row an order of its own.
            String order = i % 10 == 0 ? "" : "BIG-" + (i / 2);
            csv.append(row(order, c.skus().get(i % 20), String.valueOf(1 + i % 3), c.seller(), c.hub(), "9.99"));
        }
        long t0 = System.nanoTime();
        String upload = fx.upload(c.tenant(), csv.toString().getBytes(StandardCharsets.UTF_8));
        Document job = fx.awaitFinished(upload, Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(UploadDocuments.COMPLETED, job.getString(UploadDocuments.STATUS), () -> job.toJson());
        assertEquals((long) rows, job.get(UploadDocuments.ROWS_VALID));
        long orders = fx.countOrders(upload);
        assertEquals(orders, job.get(UploadDocuments.ORDERS_CREATED));
        List<OrderEvent> events = fx.createdEvents(c.tenant(), e -> distinctOrders(e) >= orders, Duration.ofMinutes(2));
        assertEquals(orders, distinctOrders(events));
        System.out.printf("100,000-row file: %d orders in %.1f s (%.0f rows/s)%n", orders, seconds, rows / seconds);
    }

    static String row(String... cells) {
        return String.join(",", cells) + "\r\n";
    }

    private static long distinctOrders(List<OrderEvent> events) {
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.order().orderId()));
        return ids.size();
    }

    private static byte[] binary() {
        byte[] b = new byte[4096];
        new java.util.Random(7).nextBytes(b);
        return b;
    }
}
