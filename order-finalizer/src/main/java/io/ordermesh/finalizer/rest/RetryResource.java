package io.ordermesh.finalizer.rest;

import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.finalizer.service.RetryRequest;
import io.ordermesh.finalizer.service.RetryTrigger;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/retries")
@Tag(name = "Retries", description = "Retry held orders now, e.g. after stock arrived")
public class RetryResource {

    private final RetryTrigger trigger;

    RetryResource(RetryTrigger trigger) {
        this.trigger = trigger;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Make the tenant's orders held for stock (optionally of one hub and/or SKUs) due now and start a retry run")
    public Response retry(@HeaderParam(Tenants.HEADER) String tenant, RetryRequest request) {
        return Response.accepted(trigger.trigger(tenant, request)).build();
    }
}
