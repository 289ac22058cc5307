package io.ordermesh.common.catalogue;

import java.util.UUID;

/**
 * The Redis keys of the catalogue cache. ims-api fills them on lookup and deletes them on every
 * change; readers in other services treat a miss as "ask IMS" (which fills it). Values are the
 * {@link CatalogueRefs} records as snake_case JSON.
 */
public final class CatalogueCacheKeys {

    private static final String PREFIX = "ims:v1:";

    private CatalogueCacheKeys() {
    }

    public static String tenant(UUID tenantId) {
        return PREFIX + "tenant:" + tenantId;
    }

    public static String seller(UUID tenantId, UUID sellerId) {
        return PREFIX + tenantId + ":seller:" + sellerId;
    }

    public static String hub(UUID tenantId, UUID hubId) {
        return PREFIX + tenantId + ":hub:" + hubId;
    }

    public static String sku(UUID tenantId, UUID skuId) {
        return PREFIX + tenantId + ":sku:" + skuId;
    }

    /** Code → id indirection, so a lookup by code hits the same cached value. */
    public static String code(UUID tenantId, String kind, String code) {
        return PREFIX + tenantId + ":" + kind + "-code:" + code;
    }
}
