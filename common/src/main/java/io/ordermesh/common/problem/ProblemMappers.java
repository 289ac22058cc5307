package io.ordermesh.common.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** Every error a service answers is a problem document; these mappers are the only place that builds one. */
public final class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    private ProblemMappers() {
    }

    /** The problem as a response, with the request's path as its instance (for a service's own mappers). */
    public static Response respond(Problem p, UriInfo uri) {
        Problem withPath = uri == null ? p : p.withInstance(uri.getPath());
        return Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(withPath).build();
    }

    @Provider
    public static class ProblemExceptionMapper implements ExceptionMapper<ProblemException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(ProblemException e) {
            return respond(e.problem(), uri);
        }
    }

    /** Bean Validation failures on request bodies and parameters: 422 (400 for headers/params). */
    @Provider
    public static class ConstraintViolationMapper implements ExceptionMapper<ConstraintViolationException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(ConstraintViolationException e) {
            List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                    .map(v -> new Problem.FieldError(field(v), v.getMessage()))
                    .sorted(Comparator.comparing(Problem.FieldError::field))
                    .toList();
            String detail = errors.stream().map(fe -> fe.field() + " " + fe.message()).collect(Collectors.joining("; "));
            return respond(Problem.of(422, "validation", "Validation failed", detail).withErrors(errors), uri);
        }

        /** "create.body.items[0].quantity" → "items[0].quantity": the path a client wrote. */
        private static String field(ConstraintViolation<?> v) {
            String path = v.getPropertyPath().toString();
            String[] parts = path.split("\\.", 3);
            return snakeCase(parts.length == 3 ? parts[2] : parts[parts.length - 1]);
        }

        /** Property paths carry Java names; clients wrote snake_case JSON ("items[0].skuId" → "items[0].sku_id"). */
        static String snakeCase(String path) {
            return path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Unreadable JSON: a syntax error, a wrong type or an unknown field. */
    @Provider
    public static class JsonMapper implements ExceptionMapper<JsonProcessingException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(JsonProcessingException e) {
            String detail;
            List<Problem.FieldError> errors = List.of();
            if (e instanceof UnrecognizedPropertyException u) {
                detail = "unknown field '" + u.getPropertyName() + "'";
                errors = List.of(new Problem.FieldError(path(u), "is not a known field"));
            } else if (e instanceof InvalidFormatException f) {
                detail = "field '" + path(f) + "' has an invalid value";
                errors = List.of(new Problem.FieldError(path(f), "cannot be read as " + f.getTargetType().getSimpleName()));
            } else if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
                detail = "field '" + path(m) + "' has the wrong type";
                errors = List.of(new Problem.FieldError(path(m), "has the wrong type"));
            } else {
                detail = "the body is not valid JSON: " + e.getOriginalMessage();
            }
            return respond(Problem.of(400, "malformed-json", "Malformed JSON", detail).withErrors(errors), uri);
        }

        private static String path(MismatchedInputException e) {
            StringBuilder sb = new StringBuilder();
            for (var ref : e.getPath()) {
                if (ref.getFieldName() != null) {
                    if (!sb.isEmpty()) {
                        sb.append('.');
                    }
                    sb.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    sb.append('[').append(ref.getIndex()).append(']');
                }
            }
            return sb.toString();
        }
    }

    /**
     * Quarkus ships a mapper for this subtype (wrong types, missing creators); a mapper of our own
     * for the same type takes precedence, so these answers carry the field too.
     */
    @Provider
    public static class MismatchedInputMapper implements ExceptionMapper<MismatchedInputException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(MismatchedInputException e) {
            JsonMapper json = new JsonMapper();
            json.uri = uri;
            return json.toResponse(e);
        }
    }

    /** JAX-RS' own errors (404 for unknown paths, 405, 406, 415, ...) keep their status as problems. */
    @Provider
    public static class WebApplicationMapper implements ExceptionMapper<WebApplicationException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            if (e.getCause() instanceof JsonProcessingException cause) {
                JsonMapper json = new JsonMapper();
                json.uri = uri;
                return json.toResponse(cause);
            }
            Response.StatusType type = Response.Status.fromStatusCode(status);
            String title = type == null ? "Error" : type.getReasonPhrase();
            return respond(Problem.of(status, slug(title), title, e.getMessage()), uri);
        }

        private static String slug(String title) {
            return title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        }
    }

    /** Anything unexpected: logged with its stack, answered without internals. */
    @Provider
    public static class UnexpectedMapper implements ExceptionMapper<Exception> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(Exception e) {
            LOG.error("unexpected error", e);
            return respond(Problem.of(500, "internal", "Internal error", "the request could not be completed; it has been logged"), uri);
        }
    }
}
