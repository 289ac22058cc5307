package io.ordermesh.oms.client;

import io.ordermesh.common.catalogue.CatalogueRefs;
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

/** ims-api as oms-api uses it (base URL {@code quarkus.rest-client.ims.url}). Errors arrive as WebApplicationException. */
@RegisterRestClient(configKey = "ims")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface ImsClient {

    /** {id, code, name, created_at, updated_at} or 404. */
    @GET
    @Path("/tenants/{id}")
    CatalogueRefs.TenantRef tenant(@PathParam("id") UUID id);

    /** Unknown ids are simply absent from the answer. */
    @POST
    @Path("/catalogue/lookup")
    CatalogueRefs.LookupResult lookup(@HeaderParam(Tenants.HEADER) UUID tenant, CatalogueRefs.LookupRequest request);

    /** Releases the order's allocation; 404 when there is none. */
    @DELETE
    @Path("/inventory/allocations/{orderId}")
    void release(@HeaderParam(Tenants.HEADER) UUID tenant, @PathParam("orderId") String orderId);
}
