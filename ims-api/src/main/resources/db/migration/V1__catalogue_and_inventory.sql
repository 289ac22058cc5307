-- Catalogue: every row carries its tenant. (tenant_id, id) is unique so that references between
-- tables can include the tenant: the database itself refuses a SKU of one tenant pointing at a
-- seller of another.

CREATE TABLE tenants (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE sellers (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE categories (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE hubs (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id)
);

CREATE TABLE skus (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    code        text NOT NULL,
    name        text NOT NULL,
    seller_id   uuid NOT NULL,
    category_id uuid,
    price       numeric(14, 2) NOT NULL CHECK (price >= 0),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, seller_id) REFERENCES sellers (tenant_id, id),
    FOREIGN KEY (tenant_id, category_id) REFERENCES categories (tenant_id, id)
);
CREATE INDEX skus_seller ON skus (tenant_id, seller_id);
CREATE INDEX skus_category ON skus (tenant_id, category_id);

-- Inventory: one level per tenant, hub and SKU. The CHECK is the last line of "no oversell".
CREATE TABLE inventory (
    tenant_id         uuid   NOT NULL,
    hub_id            uuid   NOT NULL,
    sku_id            uuid   NOT NULL,
    quantity_on_hand  bigint NOT NULL CHECK (quantity_on_hand >= 0),
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, hub_id, sku_id),
    FOREIGN KEY (tenant_id, hub_id) REFERENCES hubs (tenant_id, id),
    FOREIGN KEY (tenant_id, sku_id) REFERENCES skus (tenant_id, id)
);
CREATE INDEX inventory_sku ON inventory (tenant_id, sku_id);

-- The audit trail: exactly one row per change of a level; no foreign keys, history outlives the
-- catalogue rows it names.
CREATE TABLE inventory_transactions (
    id              bigserial PRIMARY KEY,
    tenant_id       uuid   NOT NULL,
    hub_id          uuid   NOT NULL,
    sku_id          uuid   NOT NULL,
    delta           bigint NOT NULL,
    quantity_after  bigint NOT NULL,
    reason          text   NOT NULL,
    reference       text,
    created_at      timestamptz NOT NULL
);
CREATE INDEX inventory_transactions_level ON inventory_transactions (tenant_id, hub_id, sku_id, id DESC);
CREATE INDEX inventory_transactions_reference ON inventory_transactions (tenant_id, reference);
CREATE INDEX inventory_transactions_tenant ON inventory_transactions (tenant_id, id DESC);

-- One row per order ever allocated or released: the key of allocation idempotency. A release of an
-- order never allocated leaves a 'released' row, so an allocation arriving after a cancel takes
-- nothing.
CREATE TABLE allocations (
    tenant_id     uuid NOT NULL,
    order_id      text NOT NULL,
    hub_id        uuid,           -- null for a release that came before any allocation
    status        text NOT NULL CHECK (status IN ('allocated', 'released')),
    items         jsonb NOT NULL,
    allocated_at  timestamptz,
    released_at   timestamptz,
    PRIMARY KEY (tenant_id, order_id)
);
CREATE INDEX allocations_hub ON allocations (tenant_id, hub_id) WHERE status = 'allocated';
