package io.ordermesh.common.health;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import software.amazon.awssdk.services.s3.S3Client;

/** Ready when the bucket answers a HEAD with the service's credentials. Wired by each service that uses S3. */
public final class S3BucketCheck implements HealthCheck {

    private final S3Client s3;
    private final String bucket;

    public S3BucketCheck(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("s3").withData("bucket", bucket);
        try {
            s3.headBucket(b -> b.bucket(bucket));
            return builder.up().build();
        } catch (RuntimeException e) {
            return builder.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
