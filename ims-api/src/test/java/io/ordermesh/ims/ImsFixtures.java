package io.ordermesh.ims;

import io.ordermesh.common.tenant.Tenants;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Creates catalogue data through the API, each test with tenants of its own. */
final class ImsFixtures {

    private ImsFixtures() {
    }

    static String tenant() {
        String code = "t-" + UUID.randomUUID();
        return given().contentType(ContentType.JSON).body(Map.of("code", code, "name", "Tenant " + code))
                .post("/tenants").then().statusCode(201).extract().path("id");
    }

    static RequestSpecification as(String tenant) {
        return given().contentType(ContentType.JSON).header(Tenants.HEADER, tenant);
    }

    static String create(String tenant, String kind, Map<String, Object> body) {
        return as(tenant).body(body).post("/" + kind).then().statusCode(201).extract().path("id");
    }

    static String seller(String tenant) {
        return create(tenant, "sellers", Map.of("code", code("S"), "name", "Seller"));
    }

    static String hub(String tenant) {
        return create(tenant, "hubs", Map.of("code", code("H"), "name", "Hub"));
    }

    static String sku(String tenant, String seller) {
        return create(tenant, "skus", Map.of("code", code("SKU"), "name", "Widget", "seller_id", seller, "price", 9.99));
    }

    static void stock(String tenant, String hub, String sku, long quantity) {
        as(tenant).body(Map.of("hub_id", hub, "sku_id", sku, "quantity_on_hand", quantity))
                .put("/inventory").then().statusCode(200);
    }

    static long level(String tenant, String hub, String sku) {
        return as(tenant).queryParam("hub_id", hub).queryParam("sku_ids", sku).get("/inventory")
                .then().statusCode(200).extract().jsonPath().getLong("[0].quantity_on_hand");
    }

    static String code(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
