package io.ordermesh.ims.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ordermesh.common.catalogue.CatalogueCacheKeys;
import io.ordermesh.common.catalogue.CatalogueRefs.HubRef;
import io.ordermesh.common.catalogue.CatalogueRefs.LookupRequest;
import io.ordermesh.common.catalogue.CatalogueRefs.LookupResult;
import io.ordermesh.common.catalogue.CatalogueRefs.SellerRef;
import io.ordermesh.common.catalogue.CatalogueRefs.SkuRef;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.problem.Validation;
import io.ordermesh.ims.repository.CatalogueEntry;
import io.ordermesh.ims.repository.CatalogueKind;
import io.ordermesh.ims.repository.SkuEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.TypedQuery;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Sellers, categories, hubs and SKUs of one tenant. Every query filters on the tenant: an id of
 * another tenant is indistinguishable from an id that does not exist (404). Changes evict the
 * shared cache after they commit, so a reader never re-caches the old row.
 */
@ApplicationScoped
public class CatalogueService {

    private final EntityManager em;
    private final CatalogueCache cache;

    CatalogueService(EntityManager em, CatalogueCache cache) {
        this.em = em;
        this.cache = cache;
    }

    /** A create or update. {@code sellerId}, {@code categoryId} and {@code price} are for SKUs only. */
    public record CatalogueInput(String code, String name, UUID sellerId, UUID categoryId, BigDecimal price) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CatalogueView(UUID id, String code, String name, UUID sellerId, UUID categoryId, BigDecimal price,
                                Instant createdAt, Instant updatedAt) {
        static CatalogueView of(CatalogueEntry e) {
            if (e instanceof SkuEntity s) {
                return new CatalogueView(s.id, s.code, s.name, s.sellerId, s.categoryId, s.price, s.createdAt, s.updatedAt);
            }
            return new CatalogueView(e.id, e.code, e.name, null, null, null, e.createdAt, e.updatedAt);
        }
    }

    public CatalogueView create(UUID tenant, CatalogueKind kind, CatalogueInput in) {
        validate(tenant, kind, in);
        CatalogueEntry e = newEntity(kind);
        e.id = UUID.randomUUID();
        e.tenantId = tenant;
        e.createdAt = TenantService.now();
        apply(e, in);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                em.persist(e);
                em.flush();
            });
        } catch (PersistenceException ex) {
            throw duplicateOr(ex, kind, in.code());
        }
        return CatalogueView.of(e);
    }

    public CatalogueView get(UUID tenant, CatalogueKind kind, UUID id) {
        return QuarkusTransaction.joiningExisting().call(() -> CatalogueView.of(find(tenant, kind, id)));
    }

    public Page<CatalogueView> list(UUID tenant, CatalogueKind kind, List<UUID> ids, List<String> codes,
                                    Integer limit, String cursor) {
        int n = Page.limit(limit);
        String after = Page.decode(cursor);
        UUID afterId;
        try {
            afterId = after == null ? null : UUID.fromString(after);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("cursor is not valid; use next_cursor from a previous page");
        }
        StringBuilder q = new StringBuilder("from ").append(kind.entity.getSimpleName()).append(" e where e.tenantId = :tenant");
        if (!ids.isEmpty()) {
            q.append(" and e.id in :ids");
        }
        if (!codes.isEmpty()) {
            q.append(" and e.code in :codes");
        }
        if (afterId != null) {
            q.append(" and e.id > :after");
        }
        q.append(" order by e.id");
        List<CatalogueView> rows = QuarkusTransaction.joiningExisting().call(() -> {
            TypedQuery<? extends CatalogueEntry> query = em.createQuery(q.toString(), kind.entity)
                    .setParameter("tenant", tenant).setMaxResults(n + 1);
            if (!ids.isEmpty()) {
                query.setParameter("ids", ids);
            }
            if (!codes.isEmpty()) {
                query.setParameter("codes", codes);
            }
            if (afterId != null) {
                query.setParameter("after", afterId);
            }
            return query.getResultList().stream().map(CatalogueView::of).toList();
        });
        return Page.of(rows, n, v -> v.id().toString());
    }

    public CatalogueView update(UUID tenant, CatalogueKind kind, UUID id, CatalogueInput in) {
        validate(tenant, kind, in);
        CatalogueView view;
        String oldCode;
        try {
            var result = QuarkusTransaction.requiringNew().call(() -> {
                CatalogueEntry e = find(tenant, kind, id);
                String previous = e.code;
                apply(e, in);
                em.flush();
                return Map.entry(previous, CatalogueView.of(e));
            });
            oldCode = result.getKey();
            view = result.getValue();
        } catch (PersistenceException ex) {
            throw duplicateOr(ex, kind, in.code());
        }
        cache.evict(cacheKeys(tenant, kind, id, oldCode, view.code()));
        return view;
    }

    public void delete(UUID tenant, CatalogueKind kind, UUID id) {
        String code = QuarkusTransaction.requiringNew().call(() -> {
            CatalogueEntry e = find(tenant, kind, id);
            refuseIfInUse(tenant, kind, id);
            if (kind == CatalogueKind.HUBS || kind == CatalogueKind.SKUS) {
                // Levels at zero hold nothing; they go with the hub or SKU (their history stays).
                em.createNativeQuery("DELETE FROM inventory WHERE tenant_id = ?1 AND "
                                + (kind == CatalogueKind.HUBS ? "hub_id" : "sku_id") + " = ?2 AND quantity_on_hand = 0")
                        .setParameter(1, tenant).setParameter(2, id).executeUpdate();
            }
            em.remove(e);
            em.flush();
            return e.code;
        });
        cache.evict(cacheKeys(tenant, kind, id, code, code));
    }

    /**
     * Many ids and codes of each kind in one call, through the cache (a code resolves to an id by
     * its own cache entry). Unknown and malformed ones are left out.
     */
    public LookupResult lookup(UUID tenant, LookupRequest request) {
        int max = LookupRequest.MAX_IDS;
        for (List<String> asked : java.util.Arrays.asList(request.sellerIds(), request.hubIds(), request.skuIds(),
                request.sellerCodes(), request.hubCodes(), request.skuCodes())) {
            if (asked != null && asked.size() > max) {
                throw ProblemException.unprocessable("at most " + max + " ids and " + max + " codes of each kind per lookup",
                        List.of(new io.ordermesh.common.problem.Problem.FieldError("sku_ids", "at most " + max + " per list")));
            }
        }
        List<UUID> sellerIds = withCodes(tenant, CatalogueKind.SELLERS, parseIds(request.sellerIds()), request.sellerCodes());
        List<UUID> hubIds = withCodes(tenant, CatalogueKind.HUBS, parseIds(request.hubIds()), request.hubCodes());
        List<UUID> skuIds = withCodes(tenant, CatalogueKind.SKUS, parseIds(request.skuIds()), request.skuCodes());
        return new LookupResult(
                List.copyOf(sellers(tenant, sellerIds).values()),
                List.copyOf(hubs(tenant, hubIds).values()),
                List.copyOf(skus(tenant, skuIds).values()));
    }

    public Map<UUID, SellerRef> sellers(UUID tenant, Collection<UUID> ids) {
        return cache.readThrough(ids, id -> CatalogueCacheKeys.seller(tenant, id), SellerRef.class,
                missing -> load(tenant, CatalogueKind.SELLERS, missing, e -> new SellerRef(e.id, e.code, e.name)));
    }

    public Map<UUID, HubRef> hubs(UUID tenant, Collection<UUID> ids) {
        return cache.readThrough(ids, id -> CatalogueCacheKeys.hub(tenant, id), HubRef.class,
                missing -> load(tenant, CatalogueKind.HUBS, missing, e -> new HubRef(e.id, e.code, e.name)));
    }

    public Map<UUID, SkuRef> skus(UUID tenant, Collection<UUID> ids) {
        return cache.readThrough(ids, id -> CatalogueCacheKeys.sku(tenant, id), SkuRef.class,
                missing -> load(tenant, CatalogueKind.SKUS, missing, e -> {
                    SkuEntity s = (SkuEntity) e;
                    return new SkuRef(s.id, s.code, s.name, s.sellerId, s.categoryId, s.price);
                }));
    }

    private List<UUID> withCodes(UUID tenant, CatalogueKind kind, List<UUID> ids, List<String> codes) {
        if (codes == null || codes.isEmpty()) {
            return ids;
        }
        List<String> wanted = codes.stream().filter(Objects::nonNull).map(String::trim).filter(c -> !c.isEmpty()).toList();
        Map<String, String> byCode = cache.readThrough(wanted, code -> CatalogueCacheKeys.code(tenant, kind.singular, code),
                String.class, missing -> QuarkusTransaction.joiningExisting().call(() -> em.createQuery(
                                "select e.code, e.id from " + kind.entity.getSimpleName() + " e where e.tenantId = :tenant and e.code in :codes",
                                Object[].class)
                        .setParameter("tenant", tenant).setParameter("codes", missing).getResultList().stream()
                        .collect(Collectors.toMap(r -> (String) r[0], r -> r[1].toString()))));
        List<UUID> all = new ArrayList<>(ids);
        byCode.values().forEach(id -> all.add(UUID.fromString(id)));
        return all;
    }

    private <T> Map<UUID, T> load(UUID tenant, CatalogueKind kind, Collection<UUID> ids, Function<CatalogueEntry, T> ref) {
        return QuarkusTransaction.joiningExisting().call(() -> em.createQuery(
                        "from " + kind.entity.getSimpleName() + " e where e.tenantId = :tenant and e.id in :ids", kind.entity)
                .setParameter("tenant", tenant).setParameter("ids", ids).getResultList().stream()
                .collect(Collectors.toMap(e -> e.id, ref)));
    }

    private CatalogueEntry find(UUID tenant, CatalogueKind kind, UUID id) {
        CatalogueEntry e = em.find(kind.entity, id);
        if (e == null || !e.tenantId.equals(tenant)) {
            throw ProblemException.notFound(kind.singular, id);
        }
        return e;
    }

    private void validate(UUID tenant, CatalogueKind kind, CatalogueInput in) {
        Validation v = Validation.of().code("code", in.code()).name("name", in.name());
        if (kind == CatalogueKind.SKUS) {
            v.require("seller_id", in.sellerId()).notNegative("price", in.price());
            if (in.price() != null && in.price().scale() > 2) {
                v.error("price", "must have at most 2 decimal places");
            }
            if (in.sellerId() != null && sellers(tenant, List.of(in.sellerId())).isEmpty()) {
                v.error("seller_id", "seller " + in.sellerId() + " does not exist");
            }
            if (in.categoryId() != null && QuarkusTransaction.joiningExisting().call(
                    () -> Optional.ofNullable(em.find(CatalogueKind.CATEGORIES.entity, in.categoryId()))
                            .filter(c -> c.tenantId.equals(tenant)).isEmpty())) {
                v.error("category_id", "category " + in.categoryId() + " does not exist");
            }
        } else if (in.sellerId() != null || in.categoryId() != null || in.price() != null) {
            v.error("seller_id", "seller_id, category_id and price belong to SKUs only");
        }
        v.throwIfInvalid();
    }

    private static void apply(CatalogueEntry e, CatalogueInput in) {
        e.code = in.code().trim();
        e.name = in.name().trim();
        e.updatedAt = TenantService.now();
        if (e instanceof SkuEntity s) {
            s.sellerId = in.sellerId();
            s.categoryId = in.categoryId();
            s.price = in.price();
        }
    }

    private static CatalogueEntry newEntity(CatalogueKind kind) {
        try {
            return kind.entity.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Nothing is silently orphaned: a row still referenced, stocked or allocated stays (409, with why). */
    private void refuseIfInUse(UUID tenant, CatalogueKind kind, UUID id) {
        List<String> reasons = new ArrayList<>();
        switch (kind) {
            case SELLERS -> count("SELECT count(*) FROM skus WHERE tenant_id = ?1 AND seller_id = ?2", tenant, id)
                    .ifPresent(n -> reasons.add("it has " + n + " SKU(s)"));
            case CATEGORIES -> count("SELECT count(*) FROM skus WHERE tenant_id = ?1 AND category_id = ?2", tenant, id)
                    .ifPresent(n -> reasons.add("it is the category of " + n + " SKU(s)"));
            case HUBS -> {
                count("SELECT count(*) FROM inventory WHERE tenant_id = ?1 AND hub_id = ?2 AND quantity_on_hand > 0", tenant, id)
                        .ifPresent(n -> reasons.add("it holds stock of " + n + " SKU(s)"));
                count("SELECT count(*) FROM allocations WHERE tenant_id = ?1 AND hub_id = ?2 AND status = 'allocated'", tenant, id)
                        .ifPresent(n -> reasons.add("it has " + n + " active allocation(s)"));
            }
            case SKUS -> {
                count("SELECT count(*) FROM inventory WHERE tenant_id = ?1 AND sku_id = ?2 AND quantity_on_hand > 0", tenant, id)
                        .ifPresent(n -> reasons.add("it is in stock at " + n + " hub(s)"));
                count("SELECT count(*) FROM allocations WHERE tenant_id = ?1 AND status = 'allocated' "
                        + "AND items @> jsonb_build_array(jsonb_build_object('sku_id', ?2 ::text))", tenant, id)
                        .ifPresent(n -> reasons.add("it is in " + n + " active allocation(s)"));
            }
        }
        if (!reasons.isEmpty()) {
            throw ProblemException.conflict(kind.singular + " " + id + " cannot be deleted: " + String.join(" and ", reasons));
        }
    }

    private Optional<Long> count(String sql, UUID tenant, UUID id) {
        long n = ((Number) em.createNativeQuery(sql).setParameter(1, tenant).setParameter(2, id).getSingleResult()).longValue();
        return n > 0 ? Optional.of(n) : Optional.empty();
    }

    private static List<String> cacheKeys(UUID tenant, CatalogueKind kind, UUID id, String oldCode, String newCode) {
        String idKey = switch (kind) {
            case SELLERS -> CatalogueCacheKeys.seller(tenant, id);
            case HUBS -> CatalogueCacheKeys.hub(tenant, id);
            case SKUS -> CatalogueCacheKeys.sku(tenant, id);
            case CATEGORIES -> null;
        };
        List<String> keys = new ArrayList<>();
        if (idKey != null) {
            keys.add(idKey);
        }
        keys.add(CatalogueCacheKeys.code(tenant, kind.singular, oldCode));
        if (!Objects.equals(oldCode, newCode)) {
            keys.add(CatalogueCacheKeys.code(tenant, kind.singular, newCode));
        }
        return keys;
    }

    private static List<UUID> parseIds(List<String> raw) {
        if (raw == null) {
            return List.of();
        }
        List<UUID> ids = new ArrayList<>(raw.size());
        for (String s : raw) {
            try {
                if (s != null) {
                    ids.add(UUID.fromString(s.trim()));
                }
            } catch (IllegalArgumentException ignored) {
                // A malformed id cannot name anything: it is simply not found.
            }
        }
        return ids;
    }

    static RuntimeException duplicateOr(PersistenceException ex, CatalogueKind kind, String code) {
        if (Sql.is(ex, Sql.UNIQUE_VIOLATION)) {
            return ProblemException.conflict("a " + kind.singular + " with code '" + code + "' already exists");
        }
        return ex;
    }
}
