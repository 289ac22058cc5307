package io.ordermesh.oms.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** oms-api's own settings (prefix {@code ordermesh.oms}). */
@ConfigMapping(prefix = "ordermesh.oms")
public interface OmsConfig {

    Outbox outbox();

    Uploads uploads();

    Webhooks webhooks();

    Idempotency idempotency();

    Releases releases();

    interface Outbox {
        /** How often the relay runs (read by the scheduler). */
        @WithDefault("2s")
        String relayEvery();

        /** Events pending longer than this are republished by the relay (the publisher had its chance). */
        @WithDefault("5s")
        Duration relayAfter();

        /** Documents the relay looks at per run. */
        @WithDefault("500")
        int relayBatch();

        /**
         * How often the relay looks for events other processes left behind (it looks after any
         * failure of its own anyway). Each look is a query the embedded server answers by reading
         * the whole collection; on MongoDB with the outbox index it can be as short as relay-every.
         */
        @WithDefault("30s")
        Duration relaySweepEvery();

        /** Sends queued in memory before new ones are left to the relay (bounds memory during a broker outage). */
        @WithDefault("20000")
        int maxQueuedSends();
    }

    interface Uploads {
        /** How often the SQS relay runs (read by the scheduler). */
        @WithDefault("5s")
        String relayEvery();

        /** Largest accepted CSV; keep quarkus.http.limits.max-body-size a little above it (multipart framing). */
        @WithDefault("209715200")
        long maxBytes();

        /** An upload whose SQS message is still unsent after this long is sent by the relay. */
        @WithDefault("10s")
        Duration relayAfter();
    }

    interface Webhooks {
        /** How long the previous secret stays valid (and is signed with) after a rotation. */
        @WithDefault("24h")
        Duration secretOverlap();

        /** Random bytes in a new secret (at least 24). */
        @WithDefault("32")
        int secretBytes();
    }

    interface Idempotency {
        /** How long an Idempotency-Key is remembered. */
        @WithDefault("24h")
        Duration retention();

        /** How long a request waits for an identical in-flight request holding the same key. */
        @WithDefault("10s")
        Duration waitForInFlight();
    }

    interface Releases {
        /** How often releases IMS did not take are tried again (from memory, no query; read by the scheduler). */
        @WithDefault("5s")
        String retryEvery();

        /**
         * How often pending releases are looked for in MongoDB (also at start-up): those another
         * instance left behind. On the embedded server each look reads every order.
         */
        @WithDefault("30s")
        Duration sweepEvery();

        /** Failed releases remembered for retry; beyond it they wait for the next sweep. */
        @WithDefault("10000")
        int maxOwed();
    }
}
