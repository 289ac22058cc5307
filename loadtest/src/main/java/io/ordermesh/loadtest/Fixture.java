package io.ordermesh.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a run orders against: a tenant with one seller, one hub and some SKUs stocked in ims-api.
 * The tool makes its own (a fresh tenant per run, so runs never see each other's orders) unless
 * given one with {@code --tenant/--seller/--hub/--skus}.
 */
record Fixture(String tenant, String seller, String hub, List<String> skus) {

    static Fixture create(Http http, String imsUrl, int skuCount, long stockPerSku) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = id(http.post(imsUrl + "/tenants", null, Map.of("code", "loadtest-" + run, "name", "Load test " + run)));
        String seller = id(http.post(imsUrl + "/sellers", tenant, Map.of("code", "seller-1", "name", "Load test seller")));
        String hub = id(http.post(imsUrl + "/hubs", tenant, Map.of("code", "hub-1", "name", "Load test hub")));
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < skuCount; i++) {
            Map<String, Object> sku = new LinkedHashMap<>();
            sku.put("code", "sku-" + i);
            sku.put("name", "Load test SKU " + i);
            sku.put("seller_id", seller);
            sku.put("price", 9.99);
            String id = id(http.post(imsUrl + "/skus", tenant, sku));
            skus.add(id);
            http.put(imsUrl + "/inventory", tenant, Map.of("hub_id", hub, "sku_id", id, "quantity_on_hand", stockPerSku,
                    "reason", "loadtest stock")).expect(200, 201);
        }
        return new Fixture(tenant, seller, hub, List.copyOf(skus));
    }

    /** The quantity on hand of each SKU at the hub, in the order of {@link #skus()}. */
    List<Long> levels(Http http, String imsUrl) {
        var rows = http.get(imsUrl + "/inventory?hub_id=" + hub + "&sku_ids=" + String.join(",", skus), tenant).expect(200).json();
        Map<String, Long> bySku = new LinkedHashMap<>();
        for (var row : rows.has("items") ? rows.get("items") : rows) {
            bySku.put(row.get("sku_id").asText(), row.get("quantity_on_hand").asLong());
        }
        return skus.stream().map(s -> bySku.getOrDefault(s, 0L)).toList();
    }

    private static String id(Http.Answer a) {
        return a.expect(201, 200).json().get("id").asText();
    }
}
