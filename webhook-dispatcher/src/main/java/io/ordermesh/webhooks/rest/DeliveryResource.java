package io.ordermesh.webhooks.rest;

import io.ordermesh.common.paging.Page;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.webhooks.service.DeliveryService;
import io.ordermesh.webhooks.service.DeliveryService.DeliveryView;
import io.ordermesh.webhooks.service.DeliveryService.RecoverResult;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Attempt log and replay of a subscription's deliveries (the subscriptions themselves live in oms-api). */
@Path("/webhooks/{id}")
@Tag(name = "Webhook deliveries")
@Produces(MediaType.APPLICATION_JSON)
public class DeliveryResource {

    private final DeliveryService deliveries;

    DeliveryResource(DeliveryService deliveries) {
        this.deliveries = deliveries;
    }

    @GET
    @Path("/deliveries")
    @Operation(summary = "Deliveries of a subscription with every attempt, newest first")
    public Page<DeliveryView> list(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id,
                                   @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return deliveries.list(tenant, id, limit, cursor);
    }

    @GET
    @Path("/deliveries/{delivery_id}")
    @Operation(summary = "One delivery with every attempt")
    public DeliveryView get(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id,
                            @PathParam("delivery_id") String deliveryId) {
        return deliveries.get(tenant, id, deliveryId);
    }

    @POST
    @Path("/deliveries/{delivery_id}/retry")
    @Operation(summary = "Replay a delivery now", description = "Same webhook-id and body; the retry schedule starts over.")
    public Response retry(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id,
                          @PathParam("delivery_id") String deliveryId) {
        return Response.accepted(deliveries.retry(tenant, id, deliveryId)).build();
    }

    @POST
    @Path("/recover")
    @Operation(summary = "Replay every failed delivery created since an instant")
    public Response recover(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("id") String id, @QueryParam("since") String since) {
        RecoverResult result = deliveries.recover(tenant, id, since);
        return Response.accepted(result).build();
    }
}
