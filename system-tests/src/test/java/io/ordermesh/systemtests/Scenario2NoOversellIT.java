package io.ordermesh.systemtests;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Scenario 2: 5,000 single-unit orders (REST and CSV at the same time) on 3 SKUs with stock for
 * 1,000 units → exactly 1,000 {@code new_order}, the rest {@code on_hold}, levels 0 and never below;
 * then the missing stock arrives and {@code POST /retries} finalizes every held order.
 */
class Scenario2NoOversellIT {

    @Test
    void ordersBeyondTheStockAreHeldNeverOversoldAndFinalizeWhenStockArrives() {
        Report r = Report.begin("Scenario 2: no oversell across the pipeline");
        boolean passed = false;
        try {
            Suite suite = Suite.get();
            int units = Scale.of(1_000, 30);
            int orders = Scale.of(5_000, 150);
            int viaCsv = orders / 2;
            int viaRest = orders - viaCsv;
            Shop shop = Shop.open(suite, "scarce", 3, 0);
            Map<String, Long> demand = new HashMap<>();
            for (int i = 0; i < viaCsv; i++) {
                demand.merge(shop.skus.get(i % 3), 1L, Long::sum);
            }
            for (int i = 0; i < viaRest; i++) {
                demand.merge(shop.skus.get(i % 3), 1L, Long::sum);
            }
            for (int k = 0; k < 3; k++) {
                shop.addStock(shop.skus.get(k), units / 3 + (k < units % 3 ? 1 : 0));
            }
            r.phase("tenant with 3 SKUs and " + units + " units in stock");

            Shop.CsvFile file = shop.csv(viaCsv, i -> shop.skus.get(i % 3), i -> null);
            String upload = shop.upload(file, "scarce.csv");
            // REST orders race the CSV's orders for the same units.
            CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> shop.orders("scarce", viaRest, i -> shop.skus.get(i % 3)), Suite.BACKGROUND);
            shop.awaitUpload(upload, file, Scale.settle(viaCsv));
            rest.join();
            r.phase(orders + " orders placed (" + viaRest + " REST, " + viaCsv + " CSV, concurrently)");

            Promises.Found held = Promises.check(shop, new Promises.Expect(units, orders - units, 1), Scale.settle(orders));
            r.phase("promises checked with stock exhausted");
            r.note(held.toString());

            for (String sku : shop.skus) {
                long missing = demand.get(sku) - shop.stocked.get(sku);
                if (missing > 0) {
                    shop.addStock(sku, missing);
                }
            }
            Api.Answer retry = new Api(suite.url(Suite.FINALIZER)).post(shop.tenant, "/retries", Map.of("hub_id", shop.hub));
            assertEquals(202, retry.status(), () -> "POST /retries: " + retry);
            r.phase("stock added for every held order, POST /retries");

            Promises.Found all = Promises.check(shop, new Promises.Expect(orders, 0, -1), Scale.settle(orders));
            r.phase("promises checked after the retry: every order new_order");
            r.note(all.toString());
            passed = true;
        } finally {
            r.end(passed);
        }
    }
}
