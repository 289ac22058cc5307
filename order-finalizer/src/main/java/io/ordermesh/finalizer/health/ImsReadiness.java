package io.ordermesh.finalizer.health;

import io.ordermesh.finalizer.client.Ims;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while IMS calls fail: the worker is alive (it backs off and keeps its records uncommitted)
 * but cannot make progress, which operators and autoscalers should see.
 */
@Readiness
@Singleton
public class ImsReadiness implements HealthCheck {

    public static final String NAME = "IMS allocation";

    private final Ims ims;

    ImsReadiness(Ims ims) {
        this.ims = ims;
    }

    @Override
    public HealthCheckResponse call() {
        Ims.Health h = ims.health();
        if (h.consecutiveFailures() == 0) {
            return HealthCheckResponse.named(NAME).up().build();
        }
        return HealthCheckResponse.named(NAME).down()
                .withData("consecutive_failures", h.consecutiveFailures())
                .withData("last_error", String.valueOf(h.lastError()))
                .withData("failing_since", String.valueOf(h.since()))
                .build();
    }
}
