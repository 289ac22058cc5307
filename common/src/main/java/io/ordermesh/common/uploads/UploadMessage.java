package io.ordermesh.common.uploads;

import java.util.UUID;

/** The SQS message announcing a stored CSV to csv-processor (snake_case JSON). */
public record UploadMessage(UUID tenantId, String bucket, String key, String uploadId) {
}
