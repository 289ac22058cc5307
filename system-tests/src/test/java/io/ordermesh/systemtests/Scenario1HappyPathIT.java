package io.ordermesh.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 1: a tenant with a hub and SKUs orders by REST and by a 20,000-row CSV with a few hundred
 * invalid rows → every valid order {@code new_order}, the error file exactly the invalid rows with
 * their line numbers, one {@code order.created} and one {@code order.updated} webhook per order,
 * every signature valid.
 */
class Scenario1HappyPathIT {

    static final String[] KINDS = {"quantity", "price", "sku", "hub"};

    @Test
    void restAndCsvOrdersAllBecomeNewOrderWithAnExactErrorFileAndOneSignedWebhookPerEvent() {
        Report r = Report.begin("Scenario 1: happy path (REST + CSV with invalid rows)");
        boolean passed = false;
        try {
            Suite suite = Suite.get();
            r.phase("suite ready (five services, first scenario only)");
            Shop shop = Shop.open(suite, "happy", 10, 10_000_000);
            r.phase("tenant, seller, hub, 10 SKUs, stock, subscription");

            int rest = Scale.of(1_000, 20);
            shop.orders("happy", rest, i -> shop.skus.get(i % 10));
            r.phase("REST: " + rest + " orders (16 clients)");

            int rows = Scale.of(20_000, 200);
            Shop.CsvFile file = shop.csv(rows, i -> shop.skus.get(i % 10), i -> i % 67 == 5 ? KINDS[(i / 67) % 4] : null);
            String upload = shop.upload(file, "happy.csv");
            JsonNode job = shop.awaitUpload(upload, file, Scale.settle(rows));
            r.phase("CSV: " + rows + " rows (" + file.invalidRows().size() + " invalid) uploaded and processed");

            String errorsUrl = job.path("error_file_url").asText();
            Api.Answer errors = suite.oms().get(shop.tenant, errorsUrl);
            assertEquals(200, errors.status(), () -> "error file: " + errors);
            List<String> lines = new ArrayList<>(List.of(errors.body().split("\r?\n")));
            String header = lines.remove(0);
            assertTrue(header.toLowerCase().startsWith("order_id,sku_id,quantity,seller_id,hub_id,price,") && header.toLowerCase().endsWith("error"),
                    "error file header: " + header);
            assertEquals(file.invalidRows().size(), lines.size(), "one error row per invalid row, nothing else");
            int i = 0;
            for (Map.Entry<Integer, String> bad : file.invalidRows().entrySet()) {
                String line = lines.get(i++);
                assertTrue(line.startsWith(bad.getValue() + ","), "row as uploaded: expected " + bad.getValue() + " got " + line);
                assertTrue(line.contains("line " + bad.getKey() + ":"), "reason names line " + bad.getKey() + ": " + line);
            }
            r.phase("error file checked: " + lines.size() + " rows, each as uploaded with its line and reason");

            int orders = rest + file.validLines().size();
            Promises.Found found = Promises.check(shop, new Promises.Expect(orders, 0, 1), Scale.settle(orders));
            r.phase("promises checked");
            r.note(found.toString());
            passed = true;
        } finally {
            r.end(passed);
        }
    }
}
