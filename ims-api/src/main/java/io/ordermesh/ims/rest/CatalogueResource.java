package io.ordermesh.ims.rest;

import io.ordermesh.common.catalogue.CatalogueRefs.LookupRequest;
import io.ordermesh.common.catalogue.CatalogueRefs.LookupResult;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.ims.repository.CatalogueKind;
import io.ordermesh.ims.service.CatalogueService;
import io.ordermesh.ims.service.CatalogueService.CatalogueInput;
import io.ordermesh.ims.service.CatalogueService.CatalogueView;
import io.ordermesh.ims.service.TenantService;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.UUID;

/** Sellers, categories, hubs and SKUs share one shape; SKUs add seller_id, category_id and price. */
@Path("/")
@Tag(name = "Catalogue", description = "Sellers, categories, hubs and SKUs of the tenant in X-Tenant-ID")
public class CatalogueResource {

    private static final String KIND = "{kind: sellers|categories|hubs|skus}";

    private final CatalogueService catalogue;
    private final TenantService tenants;

    CatalogueResource(CatalogueService catalogue, TenantService tenants) {
        this.catalogue = catalogue;
        this.tenants = tenants;
    }

    @POST
    @Path(KIND)
    @Operation(summary = "Create a seller, category, hub or SKU (code unique per tenant, 409 otherwise)")
    public Response create(@PathParam("kind") String kind, @HeaderParam(Tenants.HEADER) String tenant,
                           CatalogueInput in, @Context UriInfo uri) {
        CatalogueView v = catalogue.create(tenants.require(tenant), CatalogueKind.ofPath(kind), orEmpty(in));
        return Response.created(uri.getAbsolutePathBuilder().path(v.id().toString()).build()).entity(v).build();
    }

    @GET
    @Path(KIND)
    @Operation(summary = "List, optionally only the given ids or codes (comma-separated)")
    public Page<CatalogueView> list(@PathParam("kind") String kind, @HeaderParam(Tenants.HEADER) String tenant,
                                    @Parameter(description = "a,b,c") @QueryParam("ids") String ids,
                                    @Parameter(description = "x,y,z") @QueryParam("codes") String codes,
                                    @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return catalogue.list(tenants.require(tenant), CatalogueKind.ofPath(kind), Params.uuids("ids", ids),
                Params.strings(codes), limit, cursor);
    }

    @GET
    @Path(KIND + "/{id}")
    public CatalogueView get(@PathParam("kind") String kind, @PathParam("id") UUID id, @HeaderParam(Tenants.HEADER) String tenant) {
        return catalogue.get(tenants.require(tenant), CatalogueKind.ofPath(kind), id);
    }

    @PUT
    @Path(KIND + "/{id}")
    public CatalogueView update(@PathParam("kind") String kind, @PathParam("id") UUID id,
                                @HeaderParam(Tenants.HEADER) String tenant, CatalogueInput in) {
        return catalogue.update(tenants.require(tenant), CatalogueKind.ofPath(kind), id, orEmpty(in));
    }

    @DELETE
    @Path(KIND + "/{id}")
    @Operation(summary = "Delete; 409 with the reason while it is referenced, stocked or allocated")
    public void delete(@PathParam("kind") String kind, @PathParam("id") UUID id, @HeaderParam(Tenants.HEADER) String tenant) {
        catalogue.delete(tenants.require(tenant), CatalogueKind.ofPath(kind), id);
    }

    @POST
    @Path("catalogue/lookup")
    @Operation(summary = "Bulk lookup of sellers, hubs and SKUs by id (cached): one call per batch of orders")
    public LookupResult lookup(@HeaderParam(Tenants.HEADER) String tenant, LookupRequest request) {
        return catalogue.lookup(tenants.require(tenant), request == null ? new LookupRequest(null, null, null) : request);
    }

    private static CatalogueInput orEmpty(CatalogueInput in) {
        return in == null ? new CatalogueInput(null, null, null, null, null) : in;
    }

}
