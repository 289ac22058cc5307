package io.ordermesh.oms.support;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ordermesh.common.catalogue.CatalogueRefs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for ims-api until its module and test resource land on main: the same HTTP contract
 * (GET /tenants/{id}, POST /catalogue/lookup, DELETE /inventory/allocations/{order_id}) over
 * in-memory data registered by the tests. It does not fill the Redis cache (ims-api's job);
 * tests that exercise the cache write it themselves with the shared keys.
 */
public final class StubIms {

    public static final Map<UUID, CatalogueRefs.TenantRef> TENANTS = new ConcurrentHashMap<>();
    public static final Map<UUID, Map<UUID, Object>> ENTITIES = new ConcurrentHashMap<>();
    /** Allocations known to IMS: tenant/order ids; DELETE removes them (404 when absent). */
    public static final Set<String> ALLOCATIONS = ConcurrentHashMap.newKeySet();
    public static final Set<String> RELEASED = ConcurrentHashMap.newKeySet();
    public static final AtomicInteger LOOKUPS = new AtomicInteger();

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static HttpServer server;

    private StubIms() {
    }

    public static synchronized String start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.setExecutor(Executors.newFixedThreadPool(16, r -> {
                Thread t = new Thread(r, "stub-ims");
                t.setDaemon(true);
                return t;
            }));
            server.createContext("/", StubIms::handle);
            server.start();
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            String tenantHeader = x.getRequestHeaders().getFirst("X-Tenant-ID");
            if (method.equals("GET") && path.startsWith("/tenants/")) {
                CatalogueRefs.TenantRef t = TENANTS.get(UUID.fromString(path.substring("/tenants/".length())));
                respond(x, t == null ? 404 : 200, t == null ? Map.of("status", 404) : t);
            } else if (method.equals("POST") && path.equals("/catalogue/lookup")) {
                LOOKUPS.incrementAndGet();
                UUID tenant = UUID.fromString(tenantHeader);
                if (!TENANTS.containsKey(tenant)) {
                    respond(x, 404, Map.of("status", 404));
                    return;
                }
                CatalogueRefs.LookupRequest req = JSON.readValue(x.getRequestBody(), CatalogueRefs.LookupRequest.class);
                Map<UUID, Object> own = ENTITIES.getOrDefault(tenant, Map.of());
                respond(x, 200, new CatalogueRefs.LookupResult(
                        pick(own, req.sellerIds(), CatalogueRefs.SellerRef.class),
                        pick(own, req.hubIds(), CatalogueRefs.HubRef.class),
                        pick(own, req.skuIds(), CatalogueRefs.SkuRef.class)));
            } else if (method.equals("DELETE") && path.startsWith("/inventory/allocations/")) {
                String key = tenantHeader + "/" + path.substring("/inventory/allocations/".length());
                if (ALLOCATIONS.remove(key)) {
                    RELEASED.add(key);
                    respond(x, 200, Map.of("status", "released"));
                } else {
                    respond(x, 404, Map.of("status", 404));
                }
            } else {
                respond(x, 404, Map.of("status", 404));
            }
        } catch (RuntimeException e) {
            respond(x, 500, Map.of("error", String.valueOf(e)));
        }
    }

    private static <T> List<T> pick(Map<UUID, Object> own, List<String> ids, Class<T> type) {
        if (ids == null) {
            return List.of();
        }
        return ids.stream().map(id -> {
            try {
                return own.get(UUID.fromString(id));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }).filter(Objects::nonNull).filter(type::isInstance).map(type::cast).toList();
    }

    private static void respond(HttpExchange x, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }
}
