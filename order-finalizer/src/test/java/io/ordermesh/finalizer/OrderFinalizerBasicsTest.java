package io.ordermesh.finalizer;

import io.ordermesh.finalizer.health.ImsReadiness;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.testsupport.ServiceBasicsContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import java.util.List;

/** order-finalizer starts against the real local stack and reports itself ready, with metrics and OpenAPI. */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
@WithTestResource(ImsApiResource.class)
class OrderFinalizerBasicsTest extends ServiceBasicsContract {

    @Override
    protected List<String> requiredReadinessChecks() {
        return List.of("MongoDB connection health check", "Kafka connection health check", ImsReadiness.NAME);
    }
}
