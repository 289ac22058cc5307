package io.ordermesh.finalizer.service;

import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.finalizer.client.Ims;
import io.ordermesh.finalizer.repository.OrderStore;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.UUID;

/** Stock arrived: make the tenant's matching held orders due now and start a retry run. */
@Singleton
public class RetryTrigger {

    public record Triggered(long ordersDue) {
    }

    private final Ims ims;
    private final OrderStore store;
    private final RetryService retries;

    RetryTrigger(Ims ims, OrderStore store, RetryService retries) {
        this.ims = ims;
        this.store = store;
        this.retries = retries;
    }

    public Triggered trigger(String tenantHeader, RetryRequest request) {
        UUID tenant = tenant(tenantHeader);
        RetryRequest r = request == null ? new RetryRequest(null, null) : request;
        long due = store.makeDue(tenant, r.hubId(), r.skuIds(), Instant.now());
        retries.trigger();
        return new Triggered(due);
    }

    private UUID tenant(String header) {
        if (header == null || header.isBlank()) {
            throw ProblemException.badRequest("header X-Tenant-ID is required");
        }
        UUID tenant;
        try {
            tenant = UUID.fromString(header.trim());
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("tenant", header);
        }
        try {
            if (!ims.tenantExists(tenant)) {
                throw ProblemException.notFound("tenant", tenant);
            }
        } catch (Ims.Unavailable e) {
            throw new ProblemException(Problem.of(503, "ims-unavailable", "Inventory service unavailable", e.getMessage()));
        }
        return tenant;
    }
}
