package io.ordermesh.finalizer.support;

import io.ordermesh.common.tenant.Tenants;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** Tenants, catalogue and stock set up through the real ims-api HTTP API (the one ImsApiResource started). */
public final class ImsData {

    public record Tenant(UUID id, UUID seller, UUID hub, List<UUID> skus) {
    }

    private final String url;

    public ImsData(String url) {
        this.url = url;
    }

    public RequestSpecification as(UUID tenant) {
        return given().baseUri(url).contentType(ContentType.JSON).header(Tenants.HEADER, tenant.toString());
    }

    public Tenant tenant(int skus) {
        String code = "t-" + UUID.randomUUID();
        UUID id = UUID.fromString(given().baseUri(url).contentType(ContentType.JSON).body(Map.of("code", code, "name", code))
                .post("/tenants").then().statusCode(201).extract().path("id"));
        UUID seller = create(id, "sellers", Map.of("code", "s1", "name", "Seller"));
        UUID hub = create(id, "hubs", Map.of("code", "h1", "name", "Hub"));
        List<UUID> list = new ArrayList<>();
        for (int i = 0; i < skus; i++) {
            list.add(create(id, "skus", Map.of("code", "sku" + i, "name", "SKU " + i, "seller_id", seller.toString(), "price", 5)));
        }
        return new Tenant(id, seller, hub, list);
    }

    private UUID create(UUID tenant, String kind, Map<String, Object> body) {
        return UUID.fromString(as(tenant).body(body).post("/" + kind).then().statusCode(201).extract().path("id"));
    }

    public void setStock(Tenant t, UUID sku, long quantity) {
        as(t.id()).body(Map.of("hub_id", t.hub().toString(), "sku_id", sku.toString(), "quantity_on_hand", quantity, "reason", "test"))
                .put("/inventory").then().statusCode(200);
    }

    public long level(Tenant t, UUID sku) {
        Number n = as(t.id()).queryParam("hub_id", t.hub().toString()).queryParam("sku_ids", sku.toString()).get("/inventory")
                .then().statusCode(200).extract().path("[0].quantity_on_hand");
        return n.longValue();
    }

    /** Every audit row of one level (all pages). */
    public List<Map<String, Object>> transactions(Tenant t, UUID sku) {
        List<Map<String, Object>> all = new ArrayList<>();
        String cursor = null;
        do {
            RequestSpecification r = as(t.id()).queryParam("hub_id", t.hub().toString()).queryParam("sku_id", sku.toString())
                    .queryParam("limit", 1000);
            if (cursor != null) {
                r.queryParam("cursor", cursor);
            }
            var page = r.get("/inventory/transactions").then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("items"));
            cursor = page.getString("next_cursor");
        } while (cursor != null);
        return all;
    }

    /** The allocation's status ({@code allocated}, {@code released}) or null when IMS has none. */
    public String allocationStatus(Tenant t, String orderId) {
        var response = as(t.id()).get("/inventory/allocations/" + orderId);
        return response.statusCode() == 404 ? null : response.then().statusCode(200).extract().path("status");
    }

    public void release(Tenant t, String orderId) {
        as(t.id()).delete("/inventory/allocations/" + orderId).then().statusCode(200);
    }

    public static Map<UUID, Integer> items(UUID sku, int quantity) {
        Map<UUID, Integer> m = new HashMap<>();
        m.put(sku, quantity);
        return m;
    }
}
