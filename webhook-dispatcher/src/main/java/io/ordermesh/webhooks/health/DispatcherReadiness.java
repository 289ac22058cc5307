package io.ordermesh.webhooks.health;

import io.ordermesh.webhooks.service.Dispatcher;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the dispatcher takes work; reports what it holds in memory. Draining at shutdown → DOWN. */
@Readiness
@ApplicationScoped
public class DispatcherReadiness implements HealthCheck {

    private final Dispatcher dispatcher;

    DispatcherReadiness(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("Webhook dispatcher").status(!dispatcher.stopping())
                .withData("in_flight", dispatcher.inFlight()).withData("queued", dispatcher.queued()).build();
    }
}
