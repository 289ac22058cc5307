package io.ordermesh.oms.rest;

import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.ordermesh.common.problem.Problem;
import io.ordermesh.common.problem.ProblemMappers;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

/**
 * MongoDB unreachable or too slow is the store's state, not the request's fault: 503 with
 * Retry-After, so clients retry (an order with the same order_id or Idempotency-Key is created
 * once). Any other driver error is unexpected and stays a logged 500.
 */
@Provider
public class StoreUnavailableMapper implements ExceptionMapper<MongoException> {

    private static final Logger LOG = Logger.getLogger(StoreUnavailableMapper.class);

    @Context
    UriInfo uri;

    @Override
    public Response toResponse(MongoException e) {
        if (!unavailable(e)) {
            LOG.error("unexpected MongoDB error", e);
            return ProblemMappers.respond(Problem.of(500, "internal", "Internal error",
                    "the request could not be completed; it has been logged"), uri);
        }
        LOG.warnf("order store unavailable: %s", e.toString());
        Response problem = ProblemMappers.respond(Problem.of(503, "store-unavailable", "Store unavailable",
                "the order store did not answer in time; retry shortly (with the same order_id or Idempotency-Key a retry never creates a second order)"), uri);
        return Response.fromResponse(problem).header(HttpHeaders.RETRY_AFTER, "2").build();
    }

    static boolean unavailable(MongoException e) {
        return e instanceof MongoTimeoutException || e instanceof MongoSocketException || e instanceof MongoExecutionTimeoutException
                || e instanceof MongoConnectionPoolClearedException || e instanceof MongoNotPrimaryException
                || e instanceof MongoNodeIsRecoveringException;
    }
}
