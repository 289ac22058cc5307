package io.ordermesh.csv.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** csv-processor's own settings (prefix {@code ordermesh.csv}). */
@ConfigMapping(prefix = "ordermesh.csv")
public interface CsvConfig {

    /** Rows validated, looked up and written together: one IMS lookup and one bulk insert each. */
    @WithDefault("1000")
    int batchSize();

    /**
     * Slots (4 bytes each, rounded down to a power of two) of the table in which the first pass over
     * a file notes where each order_id's rows end. More distinct order_ids than about a tenth of this
     * make more orders wait for the end of the file, never fewer checks.
     */
    @WithDefault("4194304")
    int orderSpanSlots();

    /** Files processed at once by this instance (one SQS poller each). */
    @WithDefault("1")
    int workers();

    /** SQS long-poll wait. */
    @WithDefault("PT20S")
    Duration pollWait();

    /** How long a received message stays invisible; extended every third of it while the file is processed. */
    @WithDefault("PT60S")
    Duration visibilityTimeout();

    /** After this many receives a failing file is marked failed and its message left to the dead-letter queue. */
    @WithDefault("5")
    int maxReceives();

    /** A line longer than this (characters) fails the file: it is not a CSV a person made. */
    @WithDefault("16777216")
    int maxLineChars();

    /** Longest accepted cell, in characters; a longer one makes its row invalid. */
    @WithDefault("1024")
    int maxCellChars();

    /** Part size of the streamed error-file upload (S3 needs at least 5 MiB per part but the last). */
    @WithDefault("5242880")
    int errorFilePartBytes();

    /** How often the relay looks for events left behind (it is the safety net; see application.properties). */
    @WithDefault("10s")
    Duration relayEvery();

    /** Events still pending after this long are republished by the relay (crash between write and publish). */
    @WithDefault("PT10S")
    Duration relayAfter();

    /** How often the relay looks for events other processes left behind (it looks after any failure of its own anyway). */
    @WithDefault("PT30S")
    Duration relaySweepEvery();
}
