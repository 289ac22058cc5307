package io.ordermesh.ims.repository;

import java.util.Arrays;

/** The four catalogue collections, as they appear in paths, messages and tables. */
public enum CatalogueKind {
    SELLERS("sellers", "seller", SellerEntity.class),
    CATEGORIES("categories", "category", CategoryEntity.class),
    HUBS("hubs", "hub", HubEntity.class),
    SKUS("skus", "sku", SkuEntity.class);

    public final String path;
    public final String singular;
    public final Class<? extends CatalogueEntry> entity;

    CatalogueKind(String path, String singular, Class<? extends CatalogueEntry> entity) {
        this.path = path;
        this.singular = singular;
        this.entity = entity;
    }

    public static CatalogueKind ofPath(String path) {
        return Arrays.stream(values()).filter(k -> k.path.equals(path)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(path));
    }

    public String table() {
        return path;
    }
}
