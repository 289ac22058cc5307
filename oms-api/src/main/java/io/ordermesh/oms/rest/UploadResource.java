package io.ordermesh.oms.rest;

import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.oms.service.UploadService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.InputStream;

@Path("/orders")
@Tag(name = "Bulk uploads")
public class UploadResource {

    public record BulkOrderRequest(String s3Path) {
    }

    private final UploadService uploads;

    UploadResource(UploadService uploads) {
        this.uploads = uploads;
    }

    @POST
    @Path("/upload")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload a bulk-order CSV", description = "Multipart part 'file'. Stored in S3 and queued for csv-processor; 202 with the status URL.")
    public Response upload(@HeaderParam(Tenants.HEADER) String tenant, @RestForm("file") FileUpload file) {
        // The part arrives as a temporary file (never in memory); it is deleted when the request ends.
        UploadService.UploadView view = file == null
                ? uploads.upload(tenant, null, null, null, 0)
                : uploads.upload(tenant, file.uploadedFile(), file.fileName(), file.contentType(), file.size());
        return Response.accepted(view).location(java.net.URI.create(view.statusUrl())).build();
    }

    @POST
    @Path("/bulkorder")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Queue a CSV already in the tenant's S3 prefix")
    public Response bulkOrder(@HeaderParam(Tenants.HEADER) String tenant, BulkOrderRequest request) {
        UploadService.UploadView view = uploads.bulkOrder(tenant, request == null ? null : request.s3Path());
        return Response.accepted(view).location(java.net.URI.create(view.statusUrl())).build();
    }

    @GET
    @Path("/uploads/{upload_id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Status and counters of an upload")
    public UploadService.UploadView status(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("upload_id") String uploadId) {
        return uploads.status(tenant, uploadId);
    }

    @GET
    @Path("/errors/{file}")
    @Produces({"text/csv", "application/problem+json"})
    @Operation(summary = "The invalid rows of an upload with an error column (text/csv)")
    public Response errors(@HeaderParam(Tenants.HEADER) String tenant, @PathParam("file") String file) {
        InputStream in = uploads.errorFile(tenant, file);
        StreamingOutput body = out -> {
            try (in) {
                in.transferTo(out);
            }
        };
        return Response.ok(body, "text/csv").header("Content-Disposition", "attachment; filename=\"errors-" + file.replace("\"", "") + "\"").build();
    }
}
