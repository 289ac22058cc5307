package io.ordermesh.finalizer.client;

import io.ordermesh.common.inventory.Allocations;
import jakarta.inject.Singleton;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The IMS calls of the finalizer, sorted into three kinds of failure: {@link Unavailable} (connection
 * refused, timeout, 5xx: wait and try the same work again), {@link Rejected} (4xx for a whole tenant
 * batch, e.g. an unknown tenant: the records are poison) and per-order results. Remembers whether the
 * last calls failed, for readiness.
 */
@Singleton
public class Ims {

    /** IMS could not answer; nothing is known about the outcome, so the same work must be retried. */
    public static class Unavailable extends RuntimeException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** IMS refused the whole request (4xx); retrying the same request cannot help. */
    public static class Rejected extends RuntimeException {
        public final int status;

        public Rejected(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    public record Health(int consecutiveFailures, String lastError, Instant since) {
    }

    private final ImsClient client;
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<Health> health = new AtomicReference<>(new Health(0, null, null));

    Ims(@RestClient ImsClient client) {
        this.client = client;
    }

    public List<Allocations.Result> allocate(UUID tenant, List<Allocations.Request> requests) {
        Allocations.BatchResult result = call(() -> client.allocate(tenant, new Allocations.BatchRequest(requests)));
        if (result == null || result.results() == null || result.results().size() != requests.size()) {
            throw failed(new Unavailable("IMS answered a batch of " + requests.size() + " with "
                    + (result == null || result.results() == null ? "nothing" : result.results().size() + " results"), null));
        }
        return result.results();
    }

    /** Releases an order's allocation; idempotent on the IMS side. */
    public void release(UUID tenant, String orderId) {
        call(() -> client.release(tenant, orderId));
    }

    /** True when IMS knows the tenant. */
    public boolean tenantExists(UUID tenant) {
        try {
            call(() -> client.tenant(tenant));
            return true;
        } catch (Rejected e) {
            if (e.status == 404) {
                return false;
            }
            throw e;
        }
    }

    public Health health() {
        return health.get();
    }

    private <T> T call(java.util.function.Supplier<T> call) {
        T answer;
        try {
            answer = call.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatus();
            if (status >= 400 && status < 500 && status != 408 && status != 429) {
                succeeded(); // IMS is up and answered; the request is what is wrong
                throw new Rejected(status, "IMS answered " + status + ": " + body(e));
            }
            throw failed(new Unavailable("IMS answered " + status, e));
        } catch (ProcessingException e) {
            throw failed(new Unavailable("IMS unreachable: " + e.getMessage(), e));
        }
        succeeded();
        return answer;
    }

    private static String body(WebApplicationException e) {
        try {
            return e.getResponse().readEntity(String.class);
        } catch (RuntimeException ignored) {
            return e.getMessage();
        }
    }

    private void succeeded() {
        if (failures.getAndSet(0) != 0) {
            health.set(new Health(0, null, null));
        }
    }

    private Unavailable failed(Unavailable e) {
        int n = failures.incrementAndGet();
        Health before = health.get();
        health.set(new Health(n, e.getMessage(), before.since() == null ? Instant.now() : before.since()));
        return e;
    }
}
