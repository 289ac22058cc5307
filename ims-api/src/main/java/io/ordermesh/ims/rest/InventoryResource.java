package io.ordermesh.ims.rest;

import io.ordermesh.common.inventory.Allocations.BatchRequest;
import io.ordermesh.common.inventory.Allocations.BatchResult;
import io.ordermesh.common.inventory.Allocations.Request;
import io.ordermesh.common.inventory.Allocations.Result;
import io.ordermesh.common.inventory.Allocations.Status;
import io.ordermesh.common.paging.Page;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemException;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.ims.service.AllocationService;
import io.ordermesh.ims.service.InventoryService;
import io.ordermesh.ims.service.InventoryService.Adjustment;
import io.ordermesh.ims.service.InventoryService.LevelView;
import io.ordermesh.ims.service.InventoryService.SetLevel;
import io.ordermesh.ims.service.InventoryService.TransactionView;
import io.ordermesh.ims.service.TenantService;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;


@Path("/inventory")
@Tag(name = "Inventory", description = "Levels, adjustments, allocations and the audit trail")
public class InventoryResource {

    private final InventoryService inventory;
    private final AllocationService allocations;
    private final TenantService tenants;

    InventoryResource(InventoryService inventory, AllocationService allocations, TenantService tenants) {
        this.inventory = inventory;
        this.allocations = allocations;
        this.tenants = tenants;
    }

    @GET
    @Operation(summary = "Levels of SKUs at a hub; a combination never stocked answers 0")
    public List<LevelView> levels(@HeaderParam(Tenants.HEADER) String tenant, @QueryParam("hub_id") String hub,
                                  @QueryParam("sku_ids") String skus) {
        return inventory.levels(tenants.require(tenant), Params.uuid("hub_id", hub), Params.uuids("sku_ids", skus));
    }

    @PUT
    @Operation(summary = "Set the absolute level (upsert); with expected_quantity a compare-and-set (409 on mismatch)")
    public LevelView set(@HeaderParam(Tenants.HEADER) String tenant, SetLevel in) {
        return inventory.set(tenants.require(tenant), in == null ? new SetLevel(null, null, null, null, null) : in);
    }

    @POST
    @Path("adjustments")
    @Operation(summary = "Apply a relative change; 422 if it would go below zero")
    public LevelView adjust(@HeaderParam(Tenants.HEADER) String tenant, Adjustment in) {
        return inventory.adjust(tenants.require(tenant), in == null ? new Adjustment(null, null, null, null, null) : in);
    }

    @GET
    @Path("transactions")
    @Operation(summary = "The audit trail, newest first")
    public Page<TransactionView> transactions(@HeaderParam(Tenants.HEADER) String tenant, @QueryParam("hub_id") String hub,
                                              @QueryParam("sku_id") String sku, @QueryParam("reference") String reference,
                                              @QueryParam("from") String from, @QueryParam("to") String to,
                                              @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return inventory.transactions(tenants.require(tenant), Params.uuid("hub_id", hub), Params.uuid("sku_id", sku),
                reference == null || reference.isBlank() ? null : reference, Params.instant("from", from),
                Params.instant("to", to), limit, cursor);
    }

    @POST
    @Path("allocations")
    @Operation(summary = "Allocate all items of one order or none: 201 allocated, 409 insufficient (with shortages). "
            + "Idempotent on order_id")
    public Response allocate(@HeaderParam(Tenants.HEADER) String tenant, Request in) {
        Result r = allocations.allocate(tenants.require(tenant), in);
        return switch (r.status()) {
            case allocated -> Response.status(201).entity(r).build();
            case insufficient, released -> Response.status(409).entity(r).build();
            case invalid -> throw new ProblemException(Problem.of(422, "validation", "Validation failed", r.error()));
        };
    }

    @POST
    @Path("allocations/batch")
    @Operation(summary = "Allocate up to 500 orders, each all-or-nothing; answers per order")
    public BatchResult allocateBatch(@HeaderParam(Tenants.HEADER) String tenant, BatchRequest in) {
        return new BatchResult(allocations.allocate(tenants.require(tenant), in == null ? null : in.allocations()));
    }

    @GET
    @Path("allocations/{order_id}")
    public Result allocation(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("order_id") String orderId) {
        return allocations.get(tenants.require(tenant), orderId);
    }

    @DELETE
    @Path("allocations/{order_id}")
    @Operation(summary = "Release an order's allocation (stock back); idempotent. An order not allocated yet "
            + "will never be: a later allocation answers released")
    public Result release(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("order_id") String orderId) {
        return allocations.release(tenants.require(tenant), orderId);
    }

}
