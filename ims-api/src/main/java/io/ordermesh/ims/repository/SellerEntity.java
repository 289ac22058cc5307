package io.ordermesh.ims.repository;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

@Entity
@Table(name = "sellers")
public class SellerEntity extends CatalogueEntry {
}
