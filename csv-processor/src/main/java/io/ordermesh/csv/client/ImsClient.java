package io.ordermesh.csv.client;

import io.ordermesh.common.catalogue.CatalogueRefs;
import io.ordermesh.common.tenant.Tenants;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.util.UUID;

/** ims-api as csv-processor uses it (base URL {@code quarkus.rest-client.ims.url}). */
@RegisterRestClient(configKey = "ims")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface ImsClient {

    @GET
    @Path("/tenants/{id}")
    CatalogueRefs.TenantRef tenant(@PathParam("id") UUID id);

    @POST
    @Path("/catalogue/lookup")
    CatalogueRefs.LookupResult lookup(@HeaderParam(Tenants.HEADER) UUID tenant, CatalogueRefs.LookupRequest request);
}
