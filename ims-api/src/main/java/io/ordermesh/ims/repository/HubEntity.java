package io.ordermesh.ims.repository;

import jakarta.persistence.Entity;
import jakarta.persistence.Table;

@Entity
@Table(name = "hubs")
public class HubEntity extends CatalogueEntry {
}
