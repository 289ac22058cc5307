package io.ordermesh.finalizer.client;

import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.inventory.Allocations;
import io.ordermesh.common.tenant.Tenants;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.util.UUID;

/** ims-api as the finalizer uses it (base URL {@code quarkus.rest-client.ims.url}). Errors arrive as WebApplicationException. */
@RegisterRestClient(configKey = "ims")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface ImsClient {

    /** Up to 500 orders of one tenant, a result per order; 404 for an unknown tenant. */
    @POST
    @Path("/inventory/allocations/batch")
    Allocations.BatchResult allocate(@HeaderParam(Tenants.HEADER) UUID tenant, Allocations.BatchRequest request);

    /** Releases the order's allocation (idempotent; leaves a tombstone when there was none). */
    @DELETE
    @Path("/inventory/allocations/{orderId}")
    Allocations.Result release(@HeaderParam(Tenants.HEADER) UUID tenant, @PathParam("orderId") String orderId);

    /** 404 when the tenant does not exist. */
    @GET
    @Path("/tenants/{id}")
    CatalogueRefs.TenantRef tenant(@PathParam("id") UUID id);
}
