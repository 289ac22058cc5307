package io.ordermesh.common.uploads;

/**
 * The upload job in MongoDB collection {@code uploads} ({@code _id} = upload id), created by
 * oms-api as {@code queued} and advanced by csv-processor, which keeps the counters current and
 * sets {@code error_key} when it wrote an error file.
 */
public final class UploadDocuments {

    public static final String COLLECTION = "uploads";
    public static final String ID = "_id";
    public static final String TENANT_ID = "tenant_id";
    /** queued | processing | completed | failed */
    public static final String STATUS = "status";
    public static final String FILE_NAME = "file_name";
    public static final String BUCKET = "bucket";
    public static final String KEY = "key";
    public static final String SIZE_BYTES = "size_bytes";
    public static final String ROWS_TOTAL = "rows_total";
    public static final String ROWS_VALID = "rows_valid";
    public static final String ROWS_INVALID = "rows_invalid";
    public static final String ORDERS_CREATED = "orders_created";
    /** S3 key of the error CSV, {@code errors/{tenant}/{upload_id}.csv}, once there are invalid rows. */
    public static final String ERROR_KEY = "error_key";
    /** Why a file failed as a whole (unreadable, missing columns). */
    public static final String FAILURE_REASON = "failure_reason";
    public static final String CREATED_AT = "created_at";
    public static final String STARTED_AT = "started_at";
    public static final String FINISHED_AT = "finished_at";
    /** When the SQS message was sent; null while a relay still has to send it (SQS was down). */
    public static final String MESSAGE_SENT_AT = "message_sent_at";

    public static final String QUEUED = "queued";
    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    private UploadDocuments() {
    }

    public static String uploadKeyPrefix(Object tenantId) {
        return "uploads/" + tenantId + "/";
    }

    public static String errorKey(Object tenantId, String uploadId) {
        return "errors/" + tenantId + "/" + uploadId + ".csv";
    }
}
