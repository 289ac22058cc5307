package io.ordermesh.webhooks.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

/**
 * webhook-dispatcher's own settings (prefix {@code ordermesh.webhooks}; the operator allow-list of
 * callback hosts under the same prefix is {@link io.ordermesh.common.config.WebhookTargets}).
 */
@ConfigMapping(prefix = "ordermesh.webhooks")
public interface DispatcherConfig {

    /**
     * Delay before each attempt: the first entry is the first attempt (0 = immediately), so the size
     * of the list is the number of attempts a delivery gets before it goes to {@code webhook_logs}.
     */
    @WithDefault("0s,5s,5m,30m,2h,5h,10h,10h")
    List<Duration> retrySchedule();

    /** Each retry delay is spread by up to this fraction either way, so failed bursts do not retry in lockstep. */
    @WithDefault("0.1")
    double jitter();

    /** The longest {@code Retry-After} honoured; a larger one is capped (an endpoint cannot park deliveries for ever). */
    @WithDefault("24h")
    Duration maxRetryAfter();

    /** Whole-request deadline for one attempt (connect, send, answer). */
    @WithDefault("15s")
    Duration requestTimeout();

    @WithDefault("5s")
    Duration connectTimeout();

    /**
     * How long a claimed attempt belongs to the instance that claimed it; after that (the instance
     * died) any instance may claim it again. Must exceed the request timeout.
     */
    @WithDefault("45s")
    Duration lease();

    /** Attempts in flight to one subscription's endpoint at once (a slow endpoint only holds up itself). */
    @WithDefault("16")
    int maxInFlightPerEndpoint();

    /** Attempts in flight in this instance at once, over all endpoints. */
    @WithDefault("512")
    int maxInFlight();

    /** Deliveries waiting in memory per endpoint; more stay in MongoDB for the poller. */
    @WithDefault("2000")
    int maxQueuedPerEndpoint();

    /** Threads for the blocking MongoDB work around attempts (claim, record). */
    @WithDefault("8")
    int workerThreads();

    /** How often the poller looks for due retries and expired leases (read by the scheduler). */
    @WithDefault("1s")
    String pollEvery();

    /**
     * How often {@code webhook_deliveries} itself is searched for claimable deliveries that have no
     * {@code webhook_due} entry (read by the scheduler). A safety net: the poll finds all others.
     */
    @WithDefault("5m")
    String sweepEvery();

    /** Deliveries the poller takes per run. */
    @WithDefault("500")
    int pollBatch();

    /** How long a tenant's subscription list is cached; a change seen by the version poll clears it sooner. */
    @WithDefault("30s")
    Duration subscriptionCacheTtl();

    /** How often the {@code webhooks} collection is checked for changes (count + newest updated_at). */
    @WithDefault("1s")
    String subscriptionVersionPollEvery();

    /** Bytes of the response body kept on an attempt. */
    @WithDefault("1024")
    int responseExcerptBytes();
}
