package io.ordermesh.ims.service;

import io.ordermesh.common.catalogue.CatalogueCacheKeys;
import io.ordermesh.common.catalogue.CatalogueRefs.TenantRef;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.ims.repository.TenantEntity;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Tenants (operator endpoints) and the check every tenant-scoped request starts with. */
@ApplicationScoped
public class TenantService {

    private final EntityManager em;
    private final CatalogueCache cache;

    TenantService(EntityManager em, CatalogueCache cache) {
        this.em = em;
        this.cache = cache;
    }

    public record TenantInput(String code, String name) {
    }

    public record TenantView(UUID id, String code, String name, Instant createdAt, Instant updatedAt) {
        static TenantView of(TenantEntity e) {
            return new TenantView(e.id, e.code, e.name, e.createdAt, e.updatedAt);
        }
    }

    /**
     * The tenant named by the {@code X-Tenant-ID} header: 400 when missing or not an id, 404 when
     * no such tenant exists. Cached, so it costs a Redis round trip on the hot path.
     */
    public UUID require(String header) {
        if (header == null || header.isBlank()) {
            throw ProblemException.badRequest("the " + Tenants.HEADER + " header is required");
        }
        UUID id;
        try {
            id = UUID.fromString(header.trim());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(Tenants.HEADER + " must be a tenant id (a UUID), was '" + header + "'");
        }
        if (ref(id).isEmpty()) {
            throw ProblemException.notFound("tenant", id);
        }
        return id;
    }

    public Optional<TenantRef> ref(UUID id) {
        Map<UUID, TenantRef> found = cache.readThrough(List.of(id), CatalogueCacheKeys::tenant, TenantRef.class,
                ids -> QuarkusTransaction.joiningExisting().call(() -> {
                    TenantEntity e = em.find(TenantEntity.class, id);
                    return e == null ? Map.of() : Map.of(id, new TenantRef(e.id, e.code, e.name));
                }));
        return Optional.ofNullable(found.get(id));
    }

    public TenantView create(TenantInput in) {
        io.ordermesh.common.problem.Validation.of().code("code", in.code()).name("name", in.name()).throwIfInvalid();
        TenantEntity e = new TenantEntity();
        e.id = UUID.randomUUID();
        e.code = in.code().trim();
        e.name = in.name().trim();
        e.createdAt = e.updatedAt = now();
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                em.persist(e);
                em.flush();
            });
        } catch (PersistenceException ex) {
            throw duplicateOr(ex, e.code);
        }
        return TenantView.of(e);
    }

    public TenantView get(UUID id) {
        return QuarkusTransaction.joiningExisting().call(() -> Optional.ofNullable(em.find(TenantEntity.class, id))
                .map(TenantView::of).orElseThrow(() -> ProblemException.notFound("tenant", id)));
    }

    public Page<TenantView> list(Integer limit, String cursor) {
        int n = Page.limit(limit);
        String after = Page.decode(cursor);
        List<TenantEntity> rows = QuarkusTransaction.joiningExisting().call(() -> em.createQuery(
                        "from TenantEntity t where (:after is null or t.code > :after) order by t.code", TenantEntity.class)
                .setParameter("after", after).setMaxResults(n + 1).getResultList());
        return Page.of(rows.stream().map(TenantView::of).toList(), n, TenantView::code);
    }

    public TenantView update(UUID id, TenantInput in) {
        io.ordermesh.common.problem.Validation.of().code("code", in.code()).name("name", in.name()).throwIfInvalid();
        TenantView view;
        try {
            view = QuarkusTransaction.requiringNew().call(() -> {
                TenantEntity e = em.find(TenantEntity.class, id);
                if (e == null) {
                    throw ProblemException.notFound("tenant", id);
                }
                e.code = in.code().trim();
                e.name = in.name().trim();
                e.updatedAt = now();
                em.flush();
                return TenantView.of(e);
            });
        } catch (PersistenceException ex) {
            throw duplicateOr(ex, in.code());
        }
        cache.evict(List.of(CatalogueCacheKeys.tenant(id)));
        return view;
    }

    public void delete(UUID id) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                TenantEntity e = em.find(TenantEntity.class, id);
                if (e == null) {
                    throw ProblemException.notFound("tenant", id);
                }
                em.remove(e);
                em.flush();
            });
        } catch (PersistenceException ex) {
            if (Sql.is(ex, Sql.FOREIGN_KEY_VIOLATION)) {
                throw ProblemException.conflict("tenant " + id + " still has catalogue entries; delete them first");
            }
            throw ex;
        }
        cache.evict(List.of(CatalogueCacheKeys.tenant(id)));
    }

    private static RuntimeException duplicateOr(PersistenceException ex, String code) {
        if (Sql.is(ex, Sql.UNIQUE_VIOLATION)) {
            return ProblemException.conflict("a tenant with code '" + code + "' already exists");
        }
        return ex;
    }

    static Instant now() {
        // PostgreSQL keeps microseconds; truncating here makes a returned value equal to a re-read one.
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
