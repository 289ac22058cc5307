package io.ordermesh.oms.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.catalogue.CatalogueCacheKeys;
import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.value.ValueCommands;
import jakarta.inject.Singleton;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Reads IMS catalogue entries through the shared Redis cache (filled and invalidated by ims-api)
 * and asks IMS only for what the cache misses: one Redis MGET and at most one IMS call per
 * request. A Redis outage degrades to IMS calls; an IMS outage answers 503.
 */
@Singleton
public class Catalogue {

    private static final Logger LOG = Logger.getLogger(Catalogue.class);

    private final ValueCommands<String, String> cache;
    private final ImsClient ims;
    private final ObjectMapper json;

    Catalogue(RedisDataSource redis, @RestClient ImsClient ims, ObjectMapper json) {
        this.cache = redis.value(String.class);
        this.ims = ims;
        this.json = json;
    }

    /** What the cache and IMS know of the ids asked for; absent ids are unknown to this tenant. */
    public record Refs(Map<UUID, CatalogueRefs.SellerRef> sellers, Map<UUID, CatalogueRefs.HubRef> hubs,
                       Map<UUID, CatalogueRefs.SkuRef> skus) {
    }

    /** The tenant named by the header: 400 when missing, 404 when unknown. */
    public UUID requireTenant(String header) {
        UUID tenant = parseTenant(header);
        if (cached(CatalogueCacheKeys.tenant(tenant)) != null) {
            return tenant;
        }
        fetchTenant(tenant);
        return tenant;
    }

    private static UUID parseTenant(String header) {
        if (header == null || header.isBlank()) {
            throw new ProblemException(Problem.of(400, "missing-tenant", "Missing tenant", "the X-Tenant-ID header is required"));
        }
        try {
            return UUID.fromString(header.trim());
        } catch (IllegalArgumentException e) {
            throw unknownTenant(header);
        }
    }

    private static ProblemException unknownTenant(Object id) {
        return new ProblemException(Problem.of(404, "unknown-tenant", "Unknown tenant", "tenant " + id + " does not exist"));
    }

    private void fetchTenant(UUID tenant) {
        askIms(tenant, () -> ims.tenant(tenant));
    }

    /** One IMS call for the tenant: 404 means the tenant is unknown, any other failure 503. */
    private static <T> T askIms(UUID tenant, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                throw unknownTenant(tenant);
            }
            throw imsUnavailable(e);
        } catch (ProcessingException e) {
            throw imsUnavailable(e);
        }
    }

    /**
     * Checks the tenant and resolves sellers, hubs and SKUs in one cache round trip plus, on a
     * miss, one IMS lookup (and a tenant call if the tenant itself was not cached).
     */
    public Refs resolve(String tenantHeader, Set<UUID> sellerIds, Set<UUID> hubIds, Set<UUID> skuIds) {
        UUID tenant = parseTenant(tenantHeader);
        List<String> keys = new ArrayList<>();
        keys.add(CatalogueCacheKeys.tenant(tenant));
        sellerIds.forEach(id -> keys.add(CatalogueCacheKeys.seller(tenant, id)));
        hubIds.forEach(id -> keys.add(CatalogueCacheKeys.hub(tenant, id)));
        skuIds.forEach(id -> keys.add(CatalogueCacheKeys.sku(tenant, id)));
        Map<String, String> hits = mget(keys);

        Refs refs = new Refs(new HashMap<>(), new HashMap<>(), new HashMap<>());
        Set<UUID> missSellers = new LinkedHashSet<>();
        Set<UUID> missHubs = new LinkedHashSet<>();
        Set<UUID> missSkus = new LinkedHashSet<>();
        for (UUID id : sellerIds) {
            parse(hits.get(CatalogueCacheKeys.seller(tenant, id)), CatalogueRefs.SellerRef.class)
                    .ifPresentOrElse(r -> refs.sellers().put(id, r), () -> missSellers.add(id));
        }
        for (UUID id : hubIds) {
            parse(hits.get(CatalogueCacheKeys.hub(tenant, id)), CatalogueRefs.HubRef.class)
                    .ifPresentOrElse(r -> refs.hubs().put(id, r), () -> missHubs.add(id));
        }
        for (UUID id : skuIds) {
            parse(hits.get(CatalogueCacheKeys.sku(tenant, id)), CatalogueRefs.SkuRef.class)
                    .ifPresentOrElse(r -> refs.skus().put(id, r), () -> missSkus.add(id));
        }
        if (hits.get(CatalogueCacheKeys.tenant(tenant)) == null) {
            fetchTenant(tenant);
        }
        if (!missSellers.isEmpty() || !missHubs.isEmpty() || !missSkus.isEmpty()) {
            CatalogueRefs.LookupResult found = askIms(tenant, () ->
                    ims.lookup(tenant, new CatalogueRefs.LookupRequest(strings(missSellers), strings(missHubs), strings(missSkus))));
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

    /** Releases the order's IMS allocation; true when released or there was none. */
    public boolean release(UUID tenant, String orderId) {
        try {
            ims.release(tenant, orderId);
            return true;
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                return true;
            }
            LOG.warnf("IMS refused to release the allocation of %s/%s: %d", tenant, orderId, e.getResponse().getStatus());
            return false;
        } catch (ProcessingException e) {
            LOG.warnf("IMS unavailable to release the allocation of %s/%s: %s", tenant, orderId, e.getMessage());
            return false;
        }
    }

    private String cached(String key) {
        return mget(List.of(key)).get(key);
    }

    private Map<String, String> mget(List<String> keys) {
        try {
            Map<String, String> values = cache.mget(keys.toArray(String[]::new));
            return values == null ? Map.of() : values;
        } catch (RuntimeException e) {
            // The cache is an optimisation: without Redis every lookup goes to IMS.
            LOG.debugf("catalogue cache unavailable: %s", e.toString());
            return Map.of();
        }
    }

    private <T> Optional<T> parse(String value, Class<T> type) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(value, type));
        } catch (JsonProcessingException e) {
            LOG.warnf("unreadable catalogue cache entry (%s): treating as a miss", e.getOriginalMessage());
            return Optional.empty();
        }
    }

    private static List<String> strings(Set<UUID> ids) {
        return ids.stream().map(UUID::toString).toList();
    }

    private static ProblemException imsUnavailable(Exception cause) {
        LOG.warnf("IMS unavailable: %s", cause.toString());
        return new ProblemException(Problem.of(503, "ims-unavailable", "Inventory service unavailable",
                "the catalogue could not be checked; retry shortly (with the same Idempotency-Key)"));
    }
}
