package io.ordermesh.oms.health;

import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.health.S3BucketCheck;
import io.ordermesh.common.health.SqsQueueCheck;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The bulk-order bucket and queue must answer before this service takes work. */
@Singleton
public class BulkStorageReadiness {

    @Produces
    @Readiness
    @Singleton
    HealthCheck s3(S3Client s3, BulkStorage bulk) {
        return new S3BucketCheck(s3, bulk.bucket());
    }

    @Produces
    @Readiness
    @Singleton
    HealthCheck sqs(SqsClient sqs, BulkStorage bulk) {
        return new SqsQueueCheck(sqs, bulk.queue());
    }
}
