package io.ordermesh.oms.rest;

import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.common.paging.Page;
import io.ordermesh.oms.service.WebhookRequest;
import io.ordermesh.oms.service.WebhookService;
import io.ordermesh.oms.service.WebhookService.WebhookView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/webhooks")
@Tag(name = "Webhooks")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {

    private final WebhookService webhooks;

    WebhookResource(WebhookService webhooks) {
        this.webhooks = webhooks;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Subscribe a callback URL", description = "The whsec_ signing secret is in this answer only.")
    public Response create(@HeaderParam(Tenants.HEADER) String tenant, @Valid @NotNull WebhookRequest request) {
        WebhookView view = webhooks.create(tenant, request);
        return Response.created(UriBuilder.fromResource(WebhookResource.class).path(view.id()).build()).entity(view).build();
    }

    @GET
    @Operation(summary = "List subscriptions")
    public Page<WebhookView> list(@HeaderParam(Tenants.HEADER) String tenant, @QueryParam("limit") Integer limit,
                                  @QueryParam("cursor") String cursor) {
        return webhooks.list(tenant, limit, cursor);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "Get a subscription")
    public WebhookView get(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id) {
        return webhooks.get(tenant, id);
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace a subscription's URL, events, active flag and description")
    public WebhookView replace(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id,
                               @Valid @NotNull WebhookRequest request) {
        return webhooks.replace(tenant, id, request);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Delete a subscription")
    public Response delete(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id) {
        webhooks.delete(tenant, id);
        return Response.noContent().build();
    }

    @POST
    @Path("/{id}/rotate-secret")
    @Operation(summary = "Rotate the signing secret", description = "The previous secret keeps being signed with for the configured overlap.")
    public WebhookView rotate(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id) {
        return webhooks.rotateSecret(tenant, id);
    }
}
