package io.ordermesh.ims;

import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.ordermesh.ims.ImsFixtures.as;
import static io.ordermesh.ims.ImsFixtures.hub;
import static io.ordermesh.ims.ImsFixtures.level;
import static io.ordermesh.ims.ImsFixtures.seller;
import static io.ordermesh.ims.ImsFixtures.sku;
import static io.ordermesh.ims.ImsFixtures.stock;
import static io.ordermesh.ims.ImsFixtures.tenant;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "postgres-database", value = "ims"))
class InventoryTest {

    @Test
    void aCombinationNeverStockedAnswersZeroInTheOrderAsked() {
        String t = tenant();
        String hub = hub(t);
        String seller = seller(t);
        String a = sku(t, seller);
        String b = sku(t, seller);
        stock(t, hub, b, 7);
        as(t).queryParam("hub_id", hub).queryParam("sku_ids", a + "," + b).get("/inventory").then().statusCode(200)
                .body("sku_id", equalTo(List.of(a, b))).body("quantity_on_hand", equalTo(List.of(0, 7)))
                .body("[0].updated_at", nullValue()).body("[1].updated_at", notNullValue());
        as(t).queryParam("hub_id", hub).queryParam("sku_ids", UUID.randomUUID()).get("/inventory").then().statusCode(404);
    }

    @Test
    void settingTheLevelIsCompareAndSetWhenExpectedQuantityIsGiven() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 10);
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", 3, "expected_quantity", 9)).put("/inventory")
                .then().statusCode(409).contentType("application/problem+json").body("detail", containsString("the level is 10"));
        assertEquals(10, level(t, hub, sku));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", 3, "expected_quantity", 10, "reason", "count"))
                .put("/inventory").then().statusCode(200).body("quantity_on_hand", equalTo(3));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", -1)).put("/inventory").then()
                .statusCode(422).body("errors[0].field", equalTo("quantity_on_hand"));
    }

    @Test
    void anAdjustmentNeverTakesTheLevelBelowZero() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", -1, "reason", "damaged")).post("/inventory/adjustments")
                .then().statusCode(422).body("title", equalTo("Insufficient stock"));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", 5, "reason", "delivery", "reference", "PO-1"))
                .post("/inventory/adjustments").then().statusCode(200).body("quantity_on_hand", equalTo(5));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", -6, "reason", "damaged")).post("/inventory/adjustments")
                .then().statusCode(422).contentType("application/problem+json").body("detail", containsString("it is 5"));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", -5, "reason", "damaged")).post("/inventory/adjustments")
                .then().statusCode(200).body("quantity_on_hand", equalTo(0));
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", 0)).post("/inventory/adjustments").then()
                .statusCode(422).body("errors.field", equalTo(List.of("reason", "delta")));
    }

    @Test
    void everyChangeHasOneAuditRowNewestFirstAndTheDeltasAddUpToTheLevel() {
        String t = tenant();
        String hub = hub(t);
        String sku = sku(t, seller(t));
        stock(t, hub, sku, 10);                                        // +10
        stock(t, hub, sku, 10);                                        // no change, no row
        as(t).body(Map.of("hub_id", hub, "sku_id", sku, "delta", -4, "reason", "damaged", "reference", "R-9"))
                .post("/inventory/adjustments").then().statusCode(200); // -4
        as(t).body(AllocationTest.allocation("aud-1", hub, Map.of(sku, 2))).post("/inventory/allocations").then().statusCode(201);
        as(t).delete("/inventory/allocations/aud-1").then().statusCode(200); // -2, +2

        var rows = as(t).queryParam("hub_id", hub).queryParam("sku_id", sku).get("/inventory/transactions")
                .then().statusCode(200).body("items", hasSize(4)).extract().jsonPath();
        assertEquals(List.of(2, -2, -4, 10), rows.getList("items.delta"));
        assertEquals(List.of("release", "allocation", "damaged", "set"), rows.getList("items.reason"));
        assertEquals(List.of(6, 4, 6, 10), rows.getList("items.quantity_after"));
        int sum = rows.getList("items.delta", Integer.class).stream().mapToInt(Integer::intValue).sum();
        assertEquals(level(t, hub, sku), sum);

        as(t).queryParam("reference", "aud-1").get("/inventory/transactions").then().body("items", hasSize(2));
        as(t).queryParam("reference", "R-9").get("/inventory/transactions").then().body("items[0].delta", equalTo(-4));
        String next = as(t).queryParam("sku_id", sku).queryParam("limit", 3).get("/inventory/transactions")
                .then().body("items", hasSize(3)).extract().path("next_cursor");
        as(t).queryParam("sku_id", sku).queryParam("cursor", next).get("/inventory/transactions").then()
                .body("items", hasSize(1)).body("items[0].delta", equalTo(10)).body("next_cursor", nullValue());
        as(t).queryParam("from", "2999-01-01T00:00:00Z").get("/inventory/transactions").then().body("items", hasSize(0));
        as(t).queryParam("from", "yesterday").get("/inventory/transactions").then().statusCode(400);
    }
}
