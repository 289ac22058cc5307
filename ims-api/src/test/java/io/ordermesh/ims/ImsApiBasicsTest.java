package io.ordermesh.ims;

import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.testsupport.ServiceBasicsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import java.util.List;

/** ims-api starts against the real local stack and reports itself ready, with metrics and OpenAPI. */
@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "postgres-database", value = "ims"))
class ImsApiBasicsTest extends ServiceBasicsContract {

    @Override
    protected List<String> requiredReadinessChecks() {
        return List.of("Database connections health check", "Redis connection health check");
    }
}
