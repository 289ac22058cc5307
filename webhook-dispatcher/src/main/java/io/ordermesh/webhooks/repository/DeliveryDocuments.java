package io.ordermesh.webhooks.repository;

/**
 * A delivery in {@code webhook_deliveries}: one per (event, subscription), {@code _id} =
 * {@code msg_} + hex of SHA-256(event_id ":" subscription_id), which is also the {@code webhook-id}
 * header. {@code body} is the exact payload, written once, so every attempt sends the same bytes.
 * An exhausted delivery is copied, with its attempts, to {@code webhook_logs} (same {@code _id}).
 * While a delivery is unfinished it has an entry in {@code webhook_due} (same {@code _id}).
 */
public final class DeliveryDocuments {

    public static final String COLLECTION = "webhook_deliveries";
    public static final String LOGS = "webhook_logs";
    /**
     * One small entry per unfinished delivery ({@code _id}, {@code subscription_id}, {@code due_at}:
     * when the poller should look at it), so finding due work never scans the growing history in
     * {@code webhook_deliveries}. An entry is only a hint: the delivery itself decides.
     */
    public static final String DUE = "webhook_due";
    public static final String DUE_AT = "due_at";

    public static final String ID = "_id";
    public static final String TENANT_ID = "tenant_id";
    public static final String SUBSCRIPTION_ID = "subscription_id";
    public static final String EVENT_ID = "event_id";
    public static final String EVENT_TYPE = "event_type";
    public static final String ORDER_ID = "order_id";
    public static final String BODY = "body";
    /** pending, in_flight, succeeded, failed. */
    public static final String STATUS = "status";
    public static final String ATTEMPT_COUNT = "attempt_count";
    /** Attempts already made when the current run of the retry schedule began (moved on by a replay). */
    public static final String SCHEDULE_BASE = "schedule_base";
    public static final String NEXT_ATTEMPT_AT = "next_attempt_at";
    public static final String LEASE_UNTIL = "lease_until";
    public static final String LEASE_OWNER = "lease_owner";
    public static final String ATTEMPTS = "attempts";
    public static final String LAST_ERROR = "last_error";
    public static final String EVENT_OCCURRED_AT = "event_occurred_at";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    public static final String DELIVERED_AT = "delivered_at";
    public static final String FAILED_AT = "failed_at";
    public static final String REPLAYS = "replays";
    /**
     * Moved on by every change of the delivery, so a change can be a compare-and-set on
     * {@code {_id, version}} alone (see {@link DeliveryRepository}).
     */
    public static final String VERSION = "version";

    public static final String PENDING = "pending";
    public static final String IN_FLIGHT = "in_flight";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";

    /** Fields of one entry in {@code attempts}. */
    public static final String A_NUMBER = "number";
    public static final String A_AT = "at";
    public static final String A_STATUS_CODE = "status_code";
    public static final String A_LATENCY_MS = "latency_ms";
    public static final String A_RESPONSE = "response_excerpt";
    public static final String A_ERROR = "error";
    public static final String A_OUTCOME = "outcome";

    private DeliveryDocuments() {
    }
}
