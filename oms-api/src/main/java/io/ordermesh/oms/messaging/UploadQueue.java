package io.ordermesh.oms.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.uploads.UploadMessage;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.concurrent.atomic.AtomicReference;

/** Announces stored CSVs to csv-processor on the bulk-orders SQS queue. */
@Singleton
public class UploadQueue {

    private final SqsClient sqs;
    private final BulkStorage bulk;
    private final ObjectMapper json;
    private final AtomicReference<String> queueUrl = new AtomicReference<>();

    UploadQueue(SqsClient sqs, BulkStorage bulk, ObjectMapper json) {
        this.sqs = sqs;
        this.bulk = bulk;
        this.json = json;
    }

    /** Throws when SQS is unavailable; the caller leaves the job for the relay. */
    public void send(UploadMessage message) {
        String url = queueUrl.updateAndGet(u -> u != null ? u : sqs.getQueueUrl(b -> b.queueName(bulk.queue())).queueUrl());
        try {
            String body = json.writeValueAsString(message);
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
