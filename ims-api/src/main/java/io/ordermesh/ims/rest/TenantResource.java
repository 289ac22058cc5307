package io.ordermesh.ims.rest;

import io.ordermesh.common.paging.Page;
import io.ordermesh.ims.service.TenantService;
import io.ordermesh.ims.service.TenantService.TenantInput;
import io.ordermesh.ims.service.TenantService.TenantView;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.UUID;

@Path("/tenants")
@Tag(name = "Tenants", description = "Operator endpoints: the tenants whose id goes in X-Tenant-ID")
public class TenantResource {

    private final TenantService tenants;

    TenantResource(TenantService tenants) {
        this.tenants = tenants;
    }

    @POST
    @Operation(summary = "Create a tenant")
    public Response create(TenantInput in, @Context UriInfo uri) {
        TenantView t = tenants.create(in == null ? new TenantInput(null, null) : in);
        return Response.created(uri.getAbsolutePathBuilder().path(t.id().toString()).build()).entity(t).build();
    }

    @GET
    @Operation(summary = "List tenants by code")
    public Page<TenantView> list(@QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return tenants.list(limit, cursor);
    }

    @GET
    @Path("{id}")
    public TenantView get(@PathParam("id") UUID id) {
        return tenants.get(id);
    }

    @PUT
    @Path("{id}")
    public TenantView update(@PathParam("id") UUID id, TenantInput in) {
        return tenants.update(id, in == null ? new TenantInput(null, null) : in);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a tenant that has no catalogue entries left (409 otherwise)")
    public void delete(@PathParam("id") UUID id) {
        tenants.delete(id);
    }
}
