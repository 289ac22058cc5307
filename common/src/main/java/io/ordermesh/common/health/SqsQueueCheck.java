package io.ordermesh.common.health;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Ready when the queue can be resolved. Wired by each service that uses SQS. */
public final class SqsQueueCheck implements HealthCheck {

    private final SqsClient sqs;
    private final String queue;

    public SqsQueueCheck(SqsClient sqs, String queue) {
        this.sqs = sqs;
        this.queue = queue;
    }

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("sqs").withData("queue", queue);
        try {
            sqs.getQueueUrl(b -> b.queueName(queue));
            return builder.up().build();
        } catch (RuntimeException e) {
            return builder.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
