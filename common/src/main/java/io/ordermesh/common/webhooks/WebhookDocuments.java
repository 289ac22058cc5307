package io.ordermesh.common.webhooks;

/**
 * A webhook subscription in MongoDB collection {@code webhooks} ({@code _id} = subscription id),
 * written by oms-api and read by webhook-dispatcher. During a secret rotation the dispatcher signs
 * with {@code secret} and, until {@code previous_secret_expires_at}, {@code previous_secret} too.
 */
public final class WebhookDocuments {

    public static final String COLLECTION = "webhooks";
    public static final String ID = "_id";
    public static final String TENANT_ID = "tenant_id";
    public static final String URL = "url";
    /** Event types, e.g. order.created, order.updated. */
    public static final String EVENTS = "events";
    public static final String ACTIVE = "active";
    public static final String DESCRIPTION = "description";
    /** {@code whsec_} + base64 of the random key. */
    public static final String SECRET = "secret";
    public static final String PREVIOUS_SECRET = "previous_secret";
    public static final String PREVIOUS_SECRET_EXPIRES_AT = "previous_secret_expires_at";
    public static final String CREATED_AT = "created_at";
    public static final String UPDATED_AT = "updated_at";
    /** Set by the dispatcher when an endpoint answered 410 Gone. */
    public static final String DISABLED_REASON = "disabled_reason";

    private WebhookDocuments() {
    }
}
