package io.ordermesh.oms.support;

import io.ordermesh.common.tenant.Tenants;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/**
 * A fresh tenant created through the real ims-api's HTTP API (URL from {@code ordermesh.test.ims-url},
 * set by {@code ImsApiResource}): a seller, a hub and three SKUs of that seller, plus another seller
 * with one SKU of its own.
 */
public record TestTenant(UUID id, UUID seller, UUID otherSeller, UUID hub, List<UUID> skus, UUID otherSellersSku, String ims) {

    /** In a {@code @QuarkusTest}: the ims-api of the test resource. */
    public static TestTenant create() {
        return create(ConfigProvider.getConfig().getValue("ordermesh.test.ims-url", String.class));
    }

    public static TestTenant create(String ims) {
        String code = "t-" + UUID.randomUUID();
        UUID id = UUID.fromString(given().contentType(ContentType.JSON).body(Map.of("code", code, "name", "Tenant " + code))
                .post(ims + "/tenants").then().statusCode(201).extract().path("id"));
        UUID seller = create(ims, id, "sellers", Map.of("code", code("S"), "name", "Seller one"));
        UUID otherSeller = create(ims, id, "sellers", Map.of("code", code("S"), "name", "Seller two"));
        UUID hub = create(ims, id, "hubs", Map.of("code", code("H"), "name", "Hub one"));
        List<UUID> skus = List.of(sku(ims, id, seller, BigDecimal.TEN), sku(ims, id, seller, BigDecimal.TEN), sku(ims, id, seller, BigDecimal.TEN));
        UUID foreignSku = sku(ims, id, otherSeller, BigDecimal.ONE);
        return new TestTenant(id, seller, otherSeller, hub, skus, foreignSku, ims);
    }

    private static UUID sku(String ims, UUID tenant, UUID seller, BigDecimal price) {
        return create(ims, tenant, "skus", Map.of("code", code("SKU"), "name", "Widget", "seller_id", seller.toString(), "price", price));
    }

    private static UUID create(String ims, UUID tenant, String kind, Map<String, Object> body) {
        return UUID.fromString(imsAs(tenant).body(body).post(ims + "/" + kind).then().statusCode(201).extract().path("id"));
    }

    private static RequestSpecification imsAs(UUID tenant) {
        return given().contentType(ContentType.JSON).header(Tenants.HEADER, tenant.toString());
    }

    private static String code(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A request to ims-api as this tenant; paths are relative to {@link #ims}. */
    public RequestSpecification imsApi() {
        return imsAs(id);
    }

    /** Sets the absolute stock level of a SKU at this tenant's hub in ims-api. */
    public void stock(UUID sku, long quantity) {
        imsApi().body(Map.of("hub_id", hub.toString(), "sku_id", sku.toString(), "quantity_on_hand", quantity))
                .put(ims + "/inventory").then().statusCode(200);
    }

    /** ims-api's current level of a SKU at this tenant's hub. */
    public long level(UUID sku) {
        return imsApi().queryParam("hub_id", hub.toString()).queryParam("sku_ids", sku.toString()).get(ims + "/inventory")
                .then().statusCode(200).extract().jsonPath().getLong("[0].quantity_on_hand");
    }

    /** Allocates the items of {@link #order} in ims-api under the order id, as order-finalizer does. */
    public void allocate(String orderId) {
        imsApi().body(Map.of("order_id", orderId, "hub_id", hub.toString(), "items", List.of(
                        Map.of("sku_id", skus.get(0).toString(), "quantity", 2),
                        Map.of("sku_id", skus.get(1).toString(), "quantity", 1))))
                .post(ims + "/inventory/allocations").then().statusCode(201);
    }

    public RequestSpecification api() {
        return given().header(Tenants.HEADER, id.toString());
    }

    public RequestSpecification json() {
        return api().contentType(ContentType.JSON);
    }

    /** A valid order body: two items of this tenant's seller (2 × SKU 0, 1 × SKU 1). */
    public Map<String, Object> order(String orderId) {
        Map<String, Object> body = new HashMap<>();
        if (orderId != null) {
            body.put("order_id", orderId);
        }
        body.put("seller_id", seller.toString());
        body.put("hub_id", hub.toString());
        body.put("items", List.of(
                Map.of("sku_id", skus.get(0).toString(), "quantity", 2, "price", "9.99"),
                Map.of("sku_id", skus.get(1).toString(), "quantity", 1, "price", "5.00")));
        return body;
    }
}
