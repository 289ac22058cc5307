package io.ordermesh.common.catalogue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.catalogue.CatalogueRefs.HubRef;
import io.ordermesh.common.catalogue.CatalogueRefs.LookupRequest;
import io.ordermesh.common.catalogue.CatalogueRefs.LookupResult;
import io.ordermesh.common.catalogue.CatalogueRefs.SellerRef;
import io.ordermesh.common.catalogue.CatalogueRefs.SkuRef;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Resolves sellers, hubs and SKUs for order validation: one Redis MGET over the shared cache
 * ({@link CatalogueCacheKeys}, filled and invalidated by ims-api), then one IMS lookup for whatever
 * the cache missed. A plain class: each service plugs in its own Redis access and IMS client.
 * Redis trouble degrades to IMS calls; IMS trouble is {@link Unavailable}.
 */
public final class CatalogueReader {

    private static final Logger LOG = Logger.getLogger(CatalogueReader.class);

    /** Values of the keys present in the cache (absent keys are misses). */
    @FunctionalInterface
    public interface Cache {
        Map<String, String> mget(List<String> keys);
    }

    /** ims-api: {@code GET /tenants/{id}} (empty when 404) and {@code POST /catalogue/lookup}. */
    public interface Ims {
        Optional<CatalogueRefs.TenantRef> tenant(UUID id);

        LookupResult lookup(UUID tenant, LookupRequest request);
    }

    /** IMS could not be asked; the caller retries later (nothing was decided). */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public record Refs(Map<UUID, SellerRef> sellers, Map<UUID, HubRef> hubs, Map<UUID, SkuRef> skus) {
    }

    private final Cache cache;
    private final Ims ims;
    private final ObjectMapper json;

    public CatalogueReader(Cache cache, Ims ims, ObjectMapper json) {
        this.cache = cache;
        this.ims = ims;
        this.json = json;
    }

    public boolean tenantExists(UUID tenant) {
        return !mget(List.of(CatalogueCacheKeys.tenant(tenant))).isEmpty() || ims.tenant(tenant).isPresent();
    }

    public Refs resolve(UUID tenant, Collection<UUID> sellerIds, Collection<UUID> hubIds, Collection<UUID> skuIds) {
        List<String> keys = new ArrayList<>(sellerIds.size() + hubIds.size() + skuIds.size());
        sellerIds.forEach(id -> keys.add(CatalogueCacheKeys.seller(tenant, id)));
        hubIds.forEach(id -> keys.add(CatalogueCacheKeys.hub(tenant, id)));
        skuIds.forEach(id -> keys.add(CatalogueCacheKeys.sku(tenant, id)));
        Map<String, String> hits = mget(keys);

        Refs refs = new Refs(new HashMap<>(), new HashMap<>(), new HashMap<>());
        List<String> missSellers = fill(sellerIds, id -> CatalogueCacheKeys.seller(tenant, id), SellerRef.class, hits, refs.sellers());
        List<String> missHubs = fill(hubIds, id -> CatalogueCacheKeys.hub(tenant, id), HubRef.class, hits, refs.hubs());
        List<String> missSkus = fill(skuIds, id -> CatalogueCacheKeys.sku(tenant, id), SkuRef.class, hits, refs.skus());
        if (!missSellers.isEmpty() || !missHubs.isEmpty() || !missSkus.isEmpty()) {
            LookupResult found = ims.lookup(tenant, new LookupRequest(missSellers, missHubs, missSkus));
            if (found.sellers() != null) {
                found.sellers().forEach(r -> refs.sellers().put(r.id(), r));
            }
            if (found.hubs() != null) {
                found.hubs().forEach(r -> refs.hubs().put(r.id(), r));
            }
            if (found.skus() != null) {
                found.skus().forEach(r -> refs.skus().put(r.id(), r));
            }
        }
        return refs;
    }

    private <T> List<String> fill(Collection<UUID> ids, java.util.function.Function<UUID, String> key, Class<T> type,
                                  Map<String, String> hits, Map<UUID, T> into) {
        List<String> misses = new ArrayList<>();
        for (UUID id : ids) {
            String v = hits.get(key.apply(id));
            T ref = null;
            if (v != null) {
                try {
                    ref = json.readValue(v, type);
                } catch (JsonProcessingException e) {
                    LOG.warnf("unreadable catalogue cache entry %s, asking IMS: %s", key.apply(id), e.getOriginalMessage());
                }
            }
            if (ref == null) {
                misses.add(id.toString());
            } else {
                into.put(id, ref);
            }
        }
        return misses;
    }

    private Map<String, String> mget(List<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        try {
            Map<String, String> values = cache.mget(keys);
            if (values == null) {
                return Map.of();
            }
            Map<String, String> present = new HashMap<>();
            values.forEach((k, v) -> {
                if (v != null) {
                    present.put(k, v);
                }
            });
            return present;
        } catch (RuntimeException e) {
            LOG.debugf("catalogue cache unavailable, asking IMS: %s", e.toString());
            return Map.of();
        }
    }
}
