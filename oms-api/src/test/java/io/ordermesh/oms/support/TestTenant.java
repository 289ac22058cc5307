package io.ordermesh.oms.support;

import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.tenant.Tenants;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/** A fresh tenant with a seller, a hub and three SKUs of that seller (plus one of another seller). */
public record TestTenant(UUID id, UUID seller, UUID otherSeller, UUID hub, List<UUID> skus, UUID otherSellersSku) {

    public static TestTenant create() {
        UUID id = UUID.randomUUID();
        UUID seller = UUID.randomUUID();
        UUID otherSeller = UUID.randomUUID();
        UUID hub = UUID.randomUUID();
        List<UUID> skus = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        UUID foreignSku = UUID.randomUUID();
        StubIms.TENANTS.put(id, new CatalogueRefs.TenantRef(id, "t-" + id.toString().substring(0, 8), "Tenant"));
        Map<UUID, Object> entities = new HashMap<>();
        entities.put(seller, new CatalogueRefs.SellerRef(seller, "S1", "Seller one"));
        entities.put(otherSeller, new CatalogueRefs.SellerRef(otherSeller, "S2", "Seller two"));
        entities.put(hub, new CatalogueRefs.HubRef(hub, "H1", "Hub one"));
        for (int i = 0; i < skus.size(); i++) {
            entities.put(skus.get(i), new CatalogueRefs.SkuRef(skus.get(i), "SKU" + i, "Sku " + i, seller, null, BigDecimal.TEN));
        }
        entities.put(foreignSku, new CatalogueRefs.SkuRef(foreignSku, "SKU-X", "Other seller's", otherSeller, null, BigDecimal.ONE));
        StubIms.ENTITIES.put(id, entities);
        return new TestTenant(id, seller, otherSeller, hub, skus, foreignSku);
    }

    public RequestSpecification api() {
        return given().header(Tenants.HEADER, id.toString());
    }

    public RequestSpecification json() {
        return api().contentType(ContentType.JSON);
    }

    /** A valid order body: two items of this tenant's seller. */
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
