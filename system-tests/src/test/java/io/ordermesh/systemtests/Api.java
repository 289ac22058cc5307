package io.ordermesh.systemtests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** A tenant's or operator's HTTP calls to one service, as a client outside the suite makes them. */
public final class Api {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    public Api(String base) {
        this.base = base;
    }

    public record Answer(int status, String contentType, String body) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        public boolean problem() {
            return contentType != null && contentType.startsWith("application/problem+json");
        }

        public String text(String field) {
            return json().path(field).asText(null);
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + (body.length() > 500 ? body.substring(0, 500) + "…" : body);
        }
    }

    public Answer get(String tenant, String path) {
        return send(tenant, HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Answer post(String tenant, String path, Object body) {
        return raw(tenant, "POST", path, "application/json", toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    public Answer put(String tenant, String path, Object body) {
        return raw(tenant, "PUT", path, "application/json", toJson(body).getBytes(StandardCharsets.UTF_8));
    }

    /** Any bytes with any content type: for malformed requests. */
    public Answer raw(String tenant, String method, String path, String contentType, byte[] body) {
        return send(tenant, HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Creates and answers the new entity's id; anything but 201 fails the test. */
    public String create(String tenant, String path, Object body) {
        Answer a = post(tenant, path, body);
        if (a.status() != 201) {
            throw new AssertionError("POST " + path + " answered " + a);
        }
        return a.text("id");
    }

    /** {@code POST /orders/upload} with the file as the multipart part {@code file}. */
    public Answer upload(String tenant, String fileName, String partContentType, byte[] content) {
        String boundary = "----ordermesh" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 512);
        try {
            out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                    + "\"\r\nContent-Type: " + partContentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.write(content);
            out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return raw(tenant, "POST", "/orders/upload", "multipart/form-data; boundary=" + boundary, out.toByteArray());
    }

    private Answer send(String tenant, HttpRequest.Builder b) {
        if (tenant != null) {
            b.header("X-Tenant-ID", tenant);
        }
        b.timeout(Duration.ofSeconds(60));
        HttpRequest req = b.build();
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
            } catch (IOException e) {
                // A connection reset under load is the client's problem, not the service's answer; a
                // request is retried only where it is safe (every POST here but an upload is idempotent by its ids).
                if (attempt == 3 || req.uri().getPath().endsWith("/upload")) {
                    throw new UncheckedIOException(e);
                }
                Suite.sleep(500L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    static String toJson(Object body) {
        if (body instanceof String s) {
            return s;
        }
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
