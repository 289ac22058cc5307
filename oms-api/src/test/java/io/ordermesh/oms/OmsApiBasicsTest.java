package io.ordermesh.oms;

import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.testsupport.ServiceBasicsContract;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

import java.util.List;

/** oms-api starts against the real local stack and reports itself ready, with metrics and OpenAPI. */
@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
class OmsApiBasicsTest extends ServiceBasicsContract {

    @Override
    protected List<String> requiredReadinessChecks() {
        return List.of("MongoDB connection health check", "Kafka connection health check", "Redis connection health check", "s3", "sqs");
    }
}
