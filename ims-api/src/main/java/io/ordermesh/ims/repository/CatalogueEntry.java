package io.ordermesh.ims.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Id;
import jakarta.persistence.MappedSuperclass;

import java.time.Instant;
import java.util.UUID;

/** What sellers, categories, hubs and SKUs share: a tenant, a code unique in it, a name. */
@MappedSuperclass
public abstract class CatalogueEntry extends PanacheEntityBase {

    @Id
    public UUID id;
    public UUID tenantId;
    public String code;
    public String name;
    public Instant createdAt;
    public Instant updatedAt;
}
