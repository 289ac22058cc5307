package io.ordermesh.systemtests;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 5: two tenants order by REST and CSV at the same time; each sees only its own orders,
 * uploads, error files, webhook subscriptions and deliveries, an id of the other answers 404, and
 * each endpoint receives only its own tenant's webhooks.
 */
class Scenario5TenantIsolationIT {

    @Test
    void twoTenantsSeeOnlyTheirOwnOrdersUploadsErrorFilesWebhooksAndDeliveries() {
        Report r = Report.begin("Scenario 5: tenant isolation end to end");
        boolean passed = false;
        try {
            Suite suite = Suite.get();
            Shop a = Shop.open(suite, "tenant-a", 3, 10_000_000);
            Shop b = Shop.open(suite, "tenant-b", 3, 10_000_000);
            int rest = Scale.of(300, 20);
            int rows = Scale.of(1_000, 50);
            Map<Shop, String> uploads = new java.util.HashMap<>();
            for (Shop s : List.of(a, b)) {
                Shop.CsvFile file = s.csv(rows, i -> s.skus.get(i % 3), i -> i % 50 == 7 ? "quantity" : null);
                String upload = s.upload(file, s.name + ".csv");
                uploads.put(s, upload);
                s.orders(s.name, rest, i -> s.skus.get(i % 3));
                s.awaitUpload(upload, file, Scale.settle(rows));
            }
            r.phase("two tenants: " + rest + " REST orders and a " + rows + "-row CSV each");

            for (Shop s : List.of(a, b)) {
                Promises.Found f = Promises.check(s, new Promises.Expect(s.accepted.size(), 0, 1), Scale.settle(s.accepted.size()));
                r.note(s.name + ": " + f);
            }
            r.phase("promises checked for both tenants");

            int checks = 0;
            for (Shop[] pair : new Shop[][] {{a, b}, {b, a}}) {
                Shop me = pair[0];
                Shop other = pair[1];
                Api oms = suite.oms();
                // Lists hold only my orders, all of them.
                Set<String> listed = new HashSet<>();
                String cursor = null;
                do {
                    JsonNode page = oms.get(me.tenant, "/orders?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor)).json();
                    for (JsonNode o : page.path("items")) {
                        assertEquals(me.tenant, o.path("tenant_id").asText(), "GET /orders of " + me.name);
                        listed.add(o.path("order_id").asText());
                    }
                    cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
                } while (cursor != null);
                assertEquals(me.accepted, listed, "GET /orders lists exactly " + me.name + "'s orders");
                String theirs = other.accepted.iterator().next();
                List<String[]> forbidden = new ArrayList<>(List.of(
                        new String[] {"GET", "/orders/" + theirs},
                        new String[] {"POST", "/orders/" + theirs + "/cancel"},
                        new String[] {"GET", "/orders/uploads/" + uploads.get(other)},
                        new String[] {"GET", "/orders/errors/" + uploads.get(other) + ".csv"},
                        new String[] {"GET", "/webhooks/" + other.webhookId}));
                for (String[] call : forbidden) {
                    Api.Answer ans = call[0].equals("GET") ? oms.get(me.tenant, call[1]) : oms.post(me.tenant, call[1], "{}");
                    assertEquals(404, ans.status(), () -> me.name + " " + call[0] + " " + call[1] + " → " + ans);
                    assertTrue(ans.problem(), () -> "problem+json: " + ans);
                    checks++;
                }
                Api dispatcher = new Api(suite.url(Suite.DISPATCHER));
                Api.Answer deliveries = dispatcher.get(me.tenant, "/webhooks/" + other.webhookId + "/deliveries");
                assertEquals(404, deliveries.status(), () -> "deliveries of another tenant's subscription: " + deliveries);
                Api.Answer own = dispatcher.get(me.tenant, "/webhooks/" + me.webhookId + "/deliveries?limit=1000");
                assertEquals(200, own.status(), () -> "own deliveries: " + own);
                for (JsonNode d : own.json().path("items")) {
                    assertTrue(me.accepted.contains(d.path("order_id").asText()), "own delivery log holds only own orders: " + d);
                }
                JsonNode subs = oms.get(me.tenant, "/webhooks").json();
                assertEquals(1, subs.path("items").size(), "GET /webhooks lists only " + me.name + "'s subscription");
                assertEquals(me.webhookId, subs.path("items").get(0).path("id").asText());
                // Another tenant's catalogue cannot be ordered from.
                Api.Answer cross = oms.post(me.tenant, "/orders", Map.of("seller_id", other.seller, "hub_id", other.hub,
                        "items", List.of(Map.of("sku_id", other.skus.get(0), "quantity", 1, "price", 2))));
                assertEquals(422, cross.status(), () -> "order on another tenant's catalogue: " + cross);
                checks += 4;
            }
            // The cancels above were refused: the other tenant's orders are untouched.
            for (Shop s : List.of(a, b)) {
                Promises.check(s, new Promises.Expect(s.accepted.size(), 0, 1), Scale.settle(s.accepted.size()));
            }
            r.phase(checks + " cross-tenant requests refused, lists and deliveries own-only, promises still hold");
            passed = true;
        } finally {
            r.end(passed);
        }
    }
}
