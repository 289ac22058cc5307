package io.ordermesh.oms.rest;

import io.ordermesh.common.orders.Order;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.oms.service.CreateOrderRequest;
import io.ordermesh.oms.service.OrderService;
import io.ordermesh.common.paging.Page;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriBuilder;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.UUID;

@Path("/orders")
@Tag(name = "Orders")
@Produces(MediaType.APPLICATION_JSON)
public class OrderResource {

    private final OrderService orders;

    OrderResource(OrderService orders) {
        this.orders = orders;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an order", description = "Validates seller, hub and SKUs, saves the order as on_hold and publishes order.created. "
            + "201 for a new order; 200 when the same order_id was already created with the same content.")
    public Response create(@HeaderParam(Tenants.HEADER) String tenant, @HeaderParam("Idempotency-Key") String idempotencyKey,
                           @Valid @NotNull CreateOrderRequest request) {
        OrderService.Created created = orders.create(tenant, idempotencyKey, request);
        return Response.status(created.status())
                .location(UriBuilder.fromResource(OrderResource.class).path(created.order().orderId()).build())
                .entity(created.order()).build();
    }

    @GET
    @Operation(summary = "List orders", description = "Newest first, filtered, paged with an opaque cursor.")
    public Page<Order> list(@HeaderParam(Tenants.HEADER) String tenant, @QueryParam("seller_id") UUID sellerId,
                            @QueryParam("hub_id") UUID hubId, @QueryParam("status") String status,
                            @QueryParam("from") String from, @QueryParam("to") String to,
                            @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return orders.list(tenant, sellerId, hubId, status, from, to, limit, cursor);
    }

    @GET
    @Path("/{order_id}")
    @Operation(summary = "Get one order")
    public Order get(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("order_id") String orderId) {
        return orders.get(tenant, orderId);
    }

    @POST
    @Path("/{order_id}/cancel")
    @Operation(summary = "Cancel an order", description = "Releases any stock allocation and publishes order.updated; 409 when it can no longer be cancelled.")
    public Order cancel(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("order_id") String orderId) {
        return orders.cancel(tenant, orderId);
    }
}
