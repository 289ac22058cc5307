package io.ordermesh.finalizer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** order-finalizer's own settings (prefix {@code ordermesh.finalizer}). */
@ConfigMapping(prefix = "ordermesh.finalizer")
public interface FinalizerConfig {

    Consumer consumer();

    Ims ims();

    Retry retry();

    Outbox outbox();

    interface Consumer {
        /** Off for tools that only want the HTTP side (and in the benchmark's IMS-only phase). */
        @WithDefault("true")
        boolean enabled();

        /** Kafka consumer group: instances (and threads) of the group share the partitions. */
        @WithDefault("order-finalizer")
        String group();

        /** Consumer threads in this process, each its own group member (more than the partition count idle). */
        @WithDefault("1")
        int threads();

        /** Records per poll: the batch whose orders are allocated together and committed together. */
        @WithDefault("2000")
        int maxPollRecords();

        @WithDefault("500ms")
        Duration pollTimeout();
    }

    interface Ims {
        /** First wait after a failed IMS call; doubles per consecutive failure up to {@link #backoffMax}. */
        @WithDefault("500ms")
        Duration backoffInitial();

        @WithDefault("30s")
        Duration backoffMax();
    }

    interface Retry {
        /** How often due held orders are retried (read by the scheduler). */
        @WithDefault("2m")
        String every();

        /** Wait before the first retry of a held order; doubles per attempt up to {@link #backoffMax}. */
        @WithDefault("2m")
        Duration backoffInitial();

        @WithDefault("1h")
        Duration backoffMax();

        /** Orders claimed per batch (one IMS batch call each, at most 500). */
        @WithDefault("500")
        int batchSize();

        /** Batches per run, so one run never holds the scheduler for long. */
        @WithDefault("40")
        int maxBatchesPerRun();

        /** How long a claim keeps other instances away from an order; a crashed claimer's orders come back after it. */
        @WithDefault("2m")
        Duration lease();
    }

    interface Outbox {
        @WithDefault("2s")
        String relayEvery();

        /** Events pending longer than this are republished by the relay. */
        @WithDefault("5s")
        Duration relayAfter();

        @WithDefault("500")
        int relayBatch();

        /** How often the relay looks for events other processes left behind (it looks after any failure of its own anyway). */
        @WithDefault("30s")
        Duration relaySweepEvery();

        @WithDefault("50000")
        int maxQueuedSends();
    }
}
