package io.ordermesh.common.problem;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.Provider;

/**
 * Once the JVM is shutting down (SIGTERM), every REST request that has not started yet is refused
 * with 503 problem+json, {@code Retry-After: 1} and {@code Connection: close}, before any work.
 * Quarkus's graceful shutdown (quarkus.shutdown.timeout) waits for requests in flight but keeps
 * serving new ones on fresh connections; without this a client that keeps sending holds the
 * shutdown open, and a request arriving as the server closes may take effect without an answer.
 */
@Provider
@PreMatching
public class ShuttingDown implements ContainerRequestFilter {

    private static volatile boolean stopping;

    static {
        // Runs alongside Quarkus's own shutdown hook, so the gate shuts as the graceful phase begins.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping = true, "ordermesh-stop-accepting"));
    }

    @Context
    UriInfo uri;

    public static boolean stopping() {
        return stopping;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (stopping) {
            Response r = ProblemMappers.respond(Problem.of(503, "shutting-down", "Service Unavailable",
                    "this instance is shutting down; send the request again (another instance takes it)"), uri);
            request.abortWith(Response.fromResponse(r).header(HttpHeaders.RETRY_AFTER, "1").header("Connection", "close").build());
        }
    }
}
