package io.ordermesh.ims;

import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.ordermesh.ims.ImsFixtures.as;
import static io.ordermesh.ims.ImsFixtures.code;
import static io.ordermesh.ims.ImsFixtures.create;
import static io.ordermesh.ims.ImsFixtures.hub;
import static io.ordermesh.ims.ImsFixtures.seller;
import static io.ordermesh.ims.ImsFixtures.sku;
import static io.ordermesh.ims.ImsFixtures.stock;
import static io.ordermesh.ims.ImsFixtures.tenant;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "postgres-database", value = "ims"))
class CatalogueTest {

    @Test
    void everyKindIsCreatedReadUpdatedListedAndDeleted() {
        String t = tenant();
        String seller = seller(t);
        for (String kind : List.of("sellers", "categories", "hubs", "skus")) {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("code", code("C"), "name", "First"));
            if (kind.equals("skus")) {
                body.put("seller_id", seller);
                body.put("price", 12.5);
            }
            String id = create(t, kind, body);
            as(t).get("/" + kind + "/" + id).then().statusCode(200).body("name", equalTo("First"))
                    .body("created_at", org.hamcrest.Matchers.notNullValue());
            body.put("name", "Renamed");
            as(t).body(body).put("/" + kind + "/" + id).then().statusCode(200).body("name", equalTo("Renamed"));
            as(t).queryParam("ids", id).get("/" + kind).then().statusCode(200)
                    .body("items", hasSize(1)).body("items[0].name", equalTo("Renamed")).body("next_cursor", nullValue());
            as(t).delete("/" + kind + "/" + id).then().statusCode(204);
            as(t).get("/" + kind + "/" + id).then().statusCode(404).contentType("application/problem+json");
        }
    }

    @Test
    void codesAreUniquePerTenantOnly() {
        String t1 = tenant();
        String t2 = tenant();
        String c = code("HUB");
        create(t1, "hubs", Map.of("code", c, "name", "One"));
        as(t1).body(Map.of("code", c, "name", "Again")).post("/hubs").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString(c));
        create(t2, "hubs", Map.of("code", c, "name", "Other tenant, same code"));
        as(t1).queryParam("codes", c).get("/hubs").then().body("items", hasSize(1)).body("items[0].name", equalTo("One"));
    }

    @Test
    void listsPageWithAnOpaqueCursorOverEveryRow() {
        String t = tenant();
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 7; i++) {
            created.add(create(t, "categories", Map.of("code", code("CAT"), "name", "c" + i)));
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = as(t).queryParam("limit", 3);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            var page = req.get("/categories").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items.id"));
            cursor = page.getString("next_cursor");
            pages++;
        } while (cursor != null);
        assertEquals(created, seen);
        assertEquals(3, pages);
        as(t).queryParam("limit", 1001).get("/categories").then().statusCode(400).contentType("application/problem+json");
        as(t).queryParam("cursor", "%%%").get("/categories").then().statusCode(400);
    }

    @Test
    void anotherTenantsIdsAnswer404EverywhereAndNeverItsData() {
        String owner = tenant();
        String other = tenant();
        String seller = seller(owner);
        String hub = hub(owner);
        String sku = sku(owner, seller);
        stock(owner, hub, sku, 5);
        as(owner).body(AllocationTest.allocation("iso-1", hub, Map.of(sku, 1))).post("/inventory/allocations").then().statusCode(201);

        for (String path : List.of("/sellers/" + seller, "/hubs/" + hub, "/skus/" + sku, "/inventory/allocations/iso-1")) {
            as(other).get(path).then().statusCode(404);
        }
        as(other).body(Map.of("code", "x", "name", "y")).put("/hubs/" + hub).then().statusCode(404);
        as(other).delete("/skus/" + sku).then().statusCode(404);
        as(other).queryParam("ids", hub).get("/hubs").then().statusCode(200).body("items", hasSize(0));
        as(other).queryParam("hub_id", hub).queryParam("sku_ids", sku).get("/inventory").then().statusCode(404);
        as(other).body(Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", 100)).put("/inventory").then().statusCode(404);
        as(other).body(Map.of("hub_id", hub, "sku_id", sku, "delta", -5, "reason", "theft")).post("/inventory/adjustments").then().statusCode(404);
        as(other).body(AllocationTest.allocation("iso-2", hub, Map.of(sku, 1))).post("/inventory/allocations").then().statusCode(422);
        as(other).queryParam("hub_id", hub).get("/inventory/transactions").then().statusCode(200).body("items", hasSize(0));
        as(other).body(Map.of("code", "s", "name", "n", "seller_id", seller, "price", 1)).post("/skus").then()
                .statusCode(422).body("errors[0].field", equalTo("seller_id"));
        as(other).body(Map.of("sku_ids", List.of(sku), "hub_ids", List.of(hub), "seller_ids", List.of(seller)))
                .post("/catalogue/lookup").then().statusCode(200)
                .body("skus", hasSize(0)).body("hubs", hasSize(0)).body("sellers", hasSize(0));
        // The owner's data is untouched.
        assertEquals(4, ImsFixtures.level(owner, hub, sku));
        as(owner).get("/inventory/allocations/iso-1").then().statusCode(200).body("status", equalTo("allocated"));
    }

    @Test
    void aHubOrSkuWithStockOrAllocationsIsNotDeleted() {
        String t = tenant();
        String seller = seller(t);
        String hub = hub(t);
        String sku = sku(t, seller);
        stock(t, hub, sku, 2);
        as(t).delete("/hubs/" + hub).then().statusCode(409).body("detail", containsString("holds stock of 1 SKU(s)"));
        as(t).delete("/skus/" + sku).then().statusCode(409).body("detail", containsString("in stock at 1 hub(s)"));
        as(t).delete("/sellers/" + seller).then().statusCode(409).body("detail", containsString("has 1 SKU(s)"));

        as(t).body(AllocationTest.allocation("del-1", hub, Map.of(sku, 2))).post("/inventory/allocations").then().statusCode(201);
        as(t).delete("/hubs/" + hub).then().statusCode(409).body("detail", containsString("1 active allocation(s)"));
        as(t).delete("/skus/" + sku).then().statusCode(409).body("detail", containsString("1 active allocation(s)"));

        as(t).delete("/inventory/allocations/del-1").then().statusCode(200);
        stock(t, hub, sku, 0);
        as(t).delete("/skus/" + sku).then().statusCode(204);
        as(t).delete("/hubs/" + hub).then().statusCode(204);
        as(t).delete("/sellers/" + seller).then().statusCode(204);
    }

    @Test
    void anUpdatedSkuIsVisibleThroughTheCachedLookupAtOnce() {
        String t = tenant();
        String seller = seller(t);
        String sku = sku(t, seller);
        Map<String, Object> lookup = Map.of("sku_ids", List.of(sku));
        as(t).body(lookup).post("/catalogue/lookup").then().body("skus[0].price", equalTo(9.99f));
        as(t).body(lookup).post("/catalogue/lookup").then().body("skus[0].price", equalTo(9.99f)); // now cached
        as(t).body(Map.of("code", code("SKU"), "name", "Repriced", "seller_id", seller, "price", 20)).put("/skus/" + sku)
                .then().statusCode(200);
        as(t).body(lookup).post("/catalogue/lookup").then().body("skus[0].price", equalTo(20.0f))
                .body("skus[0].name", equalTo("Repriced"));
        as(t).delete("/skus/" + sku).then().statusCode(204);
        as(t).body(lookup).post("/catalogue/lookup").then().body("skus", hasSize(0));
    }

    @Test
    void lookupAnswersManyIdsInOneCallAndSkipsUnknownOnes() {
        String t = tenant();
        String seller = seller(t);
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            skus.add(sku(t, seller));
        }
        List<String> asked = new ArrayList<>(skus);
        asked.add(UUID.randomUUID().toString());
        asked.add("not-a-uuid");
        as(t).body(Map.of("sku_ids", asked, "seller_ids", List.of(seller))).post("/catalogue/lookup").then().statusCode(200)
                .body("skus", hasSize(30)).body("sellers", hasSize(1)).body("sellers[0].id", equalTo(seller))
                .body("skus[0].seller_id", equalTo(seller));
    }

    @Test
    void lookupByCodeIsCachedAndFollowsRenames() {
        String t = tenant();
        String seller = seller(t);
        String hubCode = code("HUB");
        String hub = create(t, "hubs", Map.of("code", hubCode, "name", "North"));
        String sku = sku(t, seller);
        String skuCode = as(t).get("/skus/" + sku).then().extract().path("code");
        for (int i = 0; i < 2; i++) { // the second round is served from the cache
            as(t).body(Map.of("hub_codes", List.of(hubCode, "missing"), "sku_codes", List.of(skuCode)))
                    .post("/catalogue/lookup").then().statusCode(200)
                    .body("hubs.id", equalTo(List.of(hub))).body("skus.id", equalTo(List.of(sku)));
        }
        String renamed = code("HUB");
        as(t).body(Map.of("code", renamed, "name", "North")).put("/hubs/" + hub).then().statusCode(200);
        as(t).body(Map.of("hub_codes", List.of(hubCode))).post("/catalogue/lookup").then().body("hubs", hasSize(0));
        as(t).body(Map.of("hub_codes", List.of(renamed))).post("/catalogue/lookup").then().body("hubs.id", equalTo(List.of(hub)));
    }

    @Test
    void badInputIsAProblemWithTheRightStatus() {
        String t = tenant();
        given().contentType(ContentType.JSON).get("/hubs").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("X-Tenant-ID"));
        as(UUID.randomUUID().toString()).get("/hubs").then().statusCode(404).contentType("application/problem+json");
        as("not-a-uuid").get("/hubs").then().statusCode(400);
        as(t).body("{\"code\": ").post("/hubs").then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON"));
        as(t).body(Map.of("code", "", "name", "")).post("/hubs").then().statusCode(422)
                .contentType("application/problem+json").body("errors.field", equalTo(List.of("code", "name")));
        as(t).body(Map.of("code", "ok", "name", "n", "price", -1)).post("/skus").then().statusCode(422)
                .body("errors.field", equalTo(List.of("seller_id", "price")));
        as(t).body("{\"code\": \"x\", \"name\": \"y\", \"price\": \"cheap\"}").post("/skus").then().statusCode(400)
                .body("errors[0].field", equalTo("price"));
        as(t).contentType(ContentType.TEXT).body("code=x").post("/hubs").then().statusCode(415)
                .contentType("application/problem+json");
        as(t).queryParam("ids", "nope").get("/hubs").then().statusCode(400).body("detail", containsString("ids"));
    }
}
