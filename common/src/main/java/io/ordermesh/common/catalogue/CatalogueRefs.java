package io.ordermesh.common.catalogue;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/**
 * What other services need to know of IMS catalogue entries to validate orders. These are also the
 * values of the shared Redis cache ({@link CatalogueCacheKeys}), written and invalidated by ims-api
 * and read by oms-api and csv-processor before they ask IMS.
 */
public final class CatalogueRefs {

    private CatalogueRefs() {
    }

    public record TenantRef(UUID id, String code, String name) {
    }

    public record SellerRef(UUID id, String code, String name) {
    }

    public record HubRef(UUID id, String code, String name) {
    }

    public record SkuRef(UUID id, String code, String name, UUID sellerId, UUID categoryId, BigDecimal price) {
    }

    /**
     * {@code POST /catalogue/lookup} on ims-api (tenant from {@code X-Tenant-ID}): up to
     * {@link #MAX_IDS} ids and as many codes of each kind in one call. Ids and codes that are
     * unknown, malformed or of another tenant are simply absent from the result.
     */
    public record LookupRequest(List<String> sellerIds, List<String> hubIds, List<String> skuIds,
                                List<String> sellerCodes, List<String> hubCodes, List<String> skuCodes) {
        public static final int MAX_IDS = 5000;

        public LookupRequest(List<String> sellerIds, List<String> hubIds, List<String> skuIds) {
            this(sellerIds, hubIds, skuIds, null, null, null);
        }
    }

    public record LookupResult(List<SellerRef> sellers, List<HubRef> hubs, List<SkuRef> skus) {
    }
}
