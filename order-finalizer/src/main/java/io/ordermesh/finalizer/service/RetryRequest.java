package io.ordermesh.finalizer.service;

import java.util.List;
import java.util.UUID;

/** {@code POST /retries}: held orders of the tenant, optionally only of this hub and/or these SKUs. */
public record RetryRequest(UUID hubId, List<UUID> skuIds) {
}
