package io.ordermesh.ims.repository;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.util.UUID;

@Entity
@Table(name = "skus")
public class SkuEntity extends CatalogueEntry {

    public UUID sellerId;
    public UUID categoryId;
    public BigDecimal price;
}
