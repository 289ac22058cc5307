package io.ordermesh.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 6: a corpus of broken CSVs (empty, header only, wrong columns, BOM, CRLF, quoted
 * newlines, binary, a huge line) and broken JSON requests → each gets a clear error (problem+json,
 * a failed job with its reason, or error rows), the valid rows among them become orders, and every
 * service is still healthy and working afterwards.
 */
class Scenario6BadInputIT {

    private static final String HEADER = "order_id,sku_id,quantity,seller_id,hub_id,price";

    /** A file and what it must end as: rejected (problem+json), a failed job, or a job with these counts. */
    record Case(String name, String fileName, String type, byte[] content, Outcome outcome, List<String> validIds, int invalidRows) {
    }

    enum Outcome { REJECTED, FAILED_JOB, ROWS, REJECTED_OR_FAILED }

    @Test
    void brokenFilesAndRequestsGetClearErrorsAndDisturbNothingElse() {
        Report r = Report.begin("Scenario 6: bad input end to end");
        boolean passed = false;
        try {
            Suite suite = Suite.get();
            Shop shop = Shop.open(suite, "bad-input", 2, 10_000_000);
            String sku = shop.skus.get(0);
            String good = sku + ",1," + shop.seller + "," + shop.hub + ",2";
            int huge = Scale.FACTOR >= 1 ? 10 * 1024 * 1024 : 1024 * 1024;
            List<Case> corpus = List.of(
                    new Case("empty file", "empty.csv", "text/csv", new byte[0], Outcome.REJECTED, List.of(), 0),
                    new Case("header only", "header.csv", "text/csv", bytes(HEADER + "\n"), Outcome.REJECTED_OR_FAILED, List.of(), 0),
                    new Case("wrong columns", "columns.csv", "text/csv", bytes("sku,qty,who\n" + sku + ",1,x\n"), Outcome.REJECTED_OR_FAILED, List.of(), 0),
                    new Case("binary", "binary.csv", "text/csv", binary(), Outcome.REJECTED, List.of(), 0),
                    new Case("BOM and CRLF", "bom.csv", "text/csv",
                            concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                                    bytes(HEADER + "\r\nbom-1," + good + "\r\nbom-2," + good + "\r\nbom-3," + sku + ",0," + shop.seller + "," + shop.hub + ",2\r\n")),
                            Outcome.ROWS, List.of("bom-1", "bom-2"), 1),
                    new Case("quoted newlines", "quoted.csv", "text/csv",
                            bytes(HEADER + ",note\nq-1," + good + ",\"two\nlines\"\nq-2," + sku + ",\"1\n2\"," + shop.seller + "," + shop.hub
                                    + ",2,x\nq-3," + good + ",\"a, b\"\n"),
                            Outcome.ROWS, List.of("q-1", "q-3"), 1),
                    new Case("a huge line (" + huge / 1024 + " KiB cell)", "huge.csv", "text/csv",
                            bytes(HEADER + "\nh-1," + good + "\nh-2," + sku + ",1," + shop.seller + "," + shop.hub + ",2" + "0".repeat(huge)
                                    + "\nh-3," + good + "\n"),
                            Outcome.ROWS, List.of("h-1", "h-3"), 1));
            for (Case c : corpus) {
                String result = upload(shop, c);
                r.note(String.format("%-28s → %s", c.name(), result));
            }
            r.phase(corpus.size() + " broken or unusual CSV files handled");

            Api oms = suite.oms();
            String body = Api.toJson(Map.of("seller_id", shop.seller, "hub_id", shop.hub, "items", List.of(Map.of("sku_id", sku, "quantity", 1, "price", 2))));
            record Bad(String name, String tenant, String contentType, String body, int status) {
            }
            String t = shop.tenant;
            List<Bad> requests = List.of(
                    new Bad("truncated JSON", t, "application/json", "{\"seller_id\":", 400),
                    new Bad("not an object", t, "application/json", "[1,2]", 400),
                    new Bad("empty body", t, "application/json", "", 400),
                    new Bad("wrong type (quantity \"x\")", t, "application/json", body.replace("\"quantity\":1", "\"quantity\":\"x\""), 400),
                    new Bad("no items", t, "application/json", "{\"seller_id\":\"" + shop.seller + "\",\"hub_id\":\"" + shop.hub + "\",\"items\":[]}", 400),
                    new Bad("quantity 0", t, "application/json", body.replace("\"quantity\":1", "\"quantity\":0"), 400),
                    new Bad("unknown hub", t, "application/json", body.replace(shop.hub, UUID.randomUUID().toString()), 422),
                    new Bad("not JSON content type", t, "text/plain", body, 415),
                    new Bad("no X-Tenant-ID", null, "application/json", body, 400),
                    new Bad("unknown tenant", UUID.randomUUID().toString(), "application/json", body, 404));
            for (Bad b : requests) {
                Api.Answer a = oms.raw(b.tenant(), "POST", "/orders", b.contentType(), bytes(b.body()));
                assertTrue(a.status() >= 400 && a.status() < 500, () -> b.name() + " → " + a);
                if (b.status() == 400) {
                    assertTrue(a.status() == 400 || a.status() == 422, () -> b.name() + " → " + a);
                } else {
                    assertEquals(b.status(), a.status(), () -> b.name() + " → " + a);
                }
                assertTrue(a.problem() && !(a.json().path("detail").asText("") + a.json().path("title").asText("")).isBlank(),
                        () -> b.name() + ": a problem+json with a reason → " + a);
                r.note(String.format("POST /orders %-28s → %d %s", b.name(), a.status(), a.json().path("detail").asText(a.json().path("title").asText())));
            }
            Api.Answer ssrf = oms.post(t, "/webhooks", Map.of("url", "http://169.254.169.254/latest/meta-data", "events", List.of("order.created")));
            assertTrue(ssrf.status() == 400 || ssrf.status() == 422, () -> "metadata address as callback → " + ssrf);
            r.phase(requests.size() + 1 + " broken JSON requests answered with problem+json");

            // Nothing else disturbed: every service ready, a normal order still goes through end to end.
            assertEquals(List.of(), suite.notReadyAfter(java.time.Duration.ofMinutes(2)), "every service healthy after the bad input");
            Api.Answer ok = shop.order("after-bad-input", sku, 1);
            assertEquals(201, ok.status(), () -> "a good order after the bad input: " + ok);
            Promises.Found found = Promises.check(shop, new Promises.Expect(shop.accepted.size(), 0, 1), Scale.settle(100));
            r.note(found.toString());
            r.phase("services healthy, valid rows and a new order finalized and delivered");
            passed = true;
        } finally {
            r.end(passed);
        }
    }

    private static String upload(Shop shop, Case c) {
        Api.Answer a = shop.suite.oms().upload(shop.tenant, c.fileName(), c.type(), c.content());
        if (a.status() != 202) {
            assertTrue(c.outcome() == Outcome.REJECTED || c.outcome() == Outcome.REJECTED_OR_FAILED, () -> c.name() + " was refused: " + a);
            assertTrue(a.status() >= 400 && a.status() < 500 && a.problem(), () -> c.name() + ": 4xx problem+json → " + a);
            String detail = a.json().path("detail").asText("");
            assertFalse(detail.isBlank(), () -> c.name() + ": a reason → " + a);
            return a.status() + " " + detail;
        }
        assertTrue(c.outcome() != Outcome.REJECTED, () -> c.name() + " should have been refused at upload: " + a);
        String upload = a.text("upload_id");
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            job[0] = shop.suite.oms().get(shop.tenant, "/orders/uploads/" + upload).json();
            return List.of("completed", "failed").contains(job[0].path("status").asText());
        });
        if (c.outcome() == Outcome.ROWS) {
            assertEquals("completed", job[0].path("status").asText(), () -> c.name() + ": " + job[0]);
            assertEquals(c.validIds().size(), job[0].path("rows_valid").asLong(), () -> c.name() + " rows_valid: " + job[0]);
            assertEquals(c.invalidRows(), job[0].path("rows_invalid").asLong(), () -> c.name() + " rows_invalid: " + job[0]);
            Api.Answer errors = shop.suite.oms().get(shop.tenant, job[0].path("error_file_url").asText());
            assertEquals(200, errors.status(), () -> c.name() + " error file: " + errors);
            shop.accepted.addAll(c.validIds());
            return String.format("completed: %d valid, %d invalid, error file %d bytes", c.validIds().size(), c.invalidRows(), errors.body().length());
        }
        assertEquals("failed", job[0].path("status").asText(), () -> c.name() + ": " + job[0]);
        String reason = job[0].path("failure_reason").asText("");
        assertFalse(reason.isBlank(), () -> c.name() + ": failed job names its reason: " + job[0]);
        return "job failed: " + reason;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] binary() {
        byte[] b = new byte[64 * 1024];
        new Random(8).nextBytes(b);
        b[10] = 0;
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

}
