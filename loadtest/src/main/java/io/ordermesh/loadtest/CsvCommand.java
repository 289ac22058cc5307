package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * {@code csv}: a generated bulk file through the whole flow. Upload, follow the job to completion,
 * then wait until every valid order is decided by the finalizer and every webhook (created and
 * updated, per order) reached the tool's own receiver.
 */
@Command(name = "csv", mixinStandardHelpOptions = true,
        description = "Uploads a generated CSV and follows it to the last webhook; reports ingestion rows/s, finalization "
                + "orders/s, end-to-end time and time to first webhook.")
final class CsvCommand implements java.util.concurrent.Callable<Integer> {

    /** What the tool's receivers subscribe to: every order brings one webhook of each. */
    private static final List<String> EVENTS = List.of("order.created", "order.updated");

    @Mixin
    Target target;

    @Option(names = "--rows", defaultValue = "10000", description = "data rows (default: ${DEFAULT-VALUE})")
    long rows;

    @Option(names = "--invalid-share", defaultValue = "0.02", description = "share of invalid rows, exact (default: ${DEFAULT-VALUE})")
    double invalidShare;

    @Option(names = "--sku-count", defaultValue = "100", description = "SKUs of the tenant the tool creates (default: ${DEFAULT-VALUE})")
    int skuCount;

    @Option(names = "--seed", defaultValue = "42", description = "random seed of the generator (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--no-webhooks", description = "do not subscribe a receiver (measures ingestion and finalization only)")
    boolean noWebhooks;

    @Option(names = "--timeout", defaultValue = "PT30M", description = "for the whole flow, the warm-up's and then the measured run's "
            + "each (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--receiver-port", defaultValue = "0", description = "port of the webhook receiver on 127.0.0.1 (0 = any free)")
    int receiverPort;

    @Option(names = "--warmup", defaultValue = "0", description = "rows of a tenant of their own sent through the whole flow first "
            + "(to their last decision and webhook) and left out of the figures (default: ${DEFAULT-VALUE})")
    long warmup;

    @Override
    public Integer call() throws Exception {
        Http http = new Http();
        // Enough stock that every valid order is allocated: at most 5 units per row.
        Fixture f = target.fixture(http, skuCount, Math.max(1000, rows * 5));
        Files.createDirectories(target.reportDir);
        String warmedUp = warmup > 0 ? warmUp(http, System.nanoTime() + timeout.toNanos()) : null;
        long deadline = System.nanoTime() + timeout.toNanos();
        Path file = Files.createTempFile(target.reportDir, "orders-" + rows + "-", ".csv");
        long tg = System.nanoTime();
        CsvGenerator.Stats stats = new CsvGenerator(f, invalidShare, seed).write(file, rows);
        System.err.printf("generated %,d rows (%,d invalid, %,d orders, %,d multi-item) in %s: %s (%,d bytes)%n", stats.rows(),
                stats.invalidRows(), stats.validOrders(), stats.multiItemOrders(), Report.duration((System.nanoTime() - tg) / 1e9),
                file, Files.size(file));
        long expectedWebhooks = noWebhooks ? 0 : stats.validOrders() * EVENTS.size();
        Report report = new Report("csv").parameter("rows", rows).parameter("invalid_share", invalidShare).parameter("seed", seed)
                .parameter("webhooks", !noWebhooks).parameter("tenant", f.tenant()).parameter("file_bytes", Files.size(file));
        if (warmedUp != null) {
            report.parameter("warmup_rows", warmup).note(warmedUp);
        }
        LongSupplier finalizerDecided = finalizerCounter(http, target.finalizer);
        try (WebhookReceiver receiver = new WebhookReceiver(receiverPort);
             Outcomes outcomes = new Outcomes(target.mongo, target.mongoDb);
             Poller poller = new Poller(() -> outcomes.count(f.tenant()), 2, finalizerDecided)) {
            if (!noWebhooks) {
                subscribe(http, f.tenant(), receiver, "loadtest receiver");
            }
            AtomicLong ingested = new AtomicLong();
            AtomicReference<JsonNode> job = new AtomicReference<>();
            LongSupplier decidedSoFar = () -> Math.max(poller.latest().decided(), finalizerDecided.getAsLong());
            Monitor monitor = new Monitor(http, target.services(), List.of(
                    new Monitor.Counter("rows", rows, ingested::get),
                    new Monitor.Counter("finalized", stats.validOrders(),
                            () -> poller.sawDecided(decidedSoFar.getAsLong())),
                    new Monitor.Counter("webhooks", expectedWebhooks, receiver::delivered)), System.err).start();
            long t0 = System.nanoTime();
            long uploaded;
            long jobDone;
            long decidedAtJobDone;
            long allDecided;
            long allDelivered;
            try (monitor) {
                JsonNode accepted = http.upload(target.oms + "/orders/upload", f.tenant(), file).expect(202).json();
                uploaded = System.nanoTime();
                String uploadId = accepted.get("upload_id").asText();
                report.parameter("upload_id", uploadId);
                job.set(followJob(http, f.tenant(), uploadId, deadline, ingested::set));
                jobDone = System.nanoTime();
                decidedAtJobDone = decidedSoFar.getAsLong();
                allDecided = poller.awaitConfirmed(stats.validOrders(), finalizerDecided, deadline);
                // Each count reads every order of the run on the embedded server: counting on through
                // the webhook phase would load the server being measured. The last counts stay readable.
                poller.close();
                awaitDeliveries(receiver, expectedWebhooks, deadline);
                allDelivered = System.nanoTime();
            }
            report.monitor(monitor);
            JsonNode j = job.get();
            Outcomes.Counts counts = poller.recountIfUnconfirmed(5, 5_000);
            JsonNode limits = Limits.read(target.reportDir);
            double rowsPerOrder = stats.validOrders() == 0 ? 1 : (double) stats.rows() / stats.validOrders();
            Double rawDocs = OrdersCommand.min(Limits.value(limits, Limits.MONGO), Limits.value(limits, Limits.KAFKA));
            Double rawRows = rawDocs == null ? null : rawDocs * rowsPerOrder;
            Double rawAlloc = Limits.value(limits, Limits.POSTGRES);
            Double rawHttp = Limits.value(limits, Limits.HTTP);

            double serverSeconds = seconds(j, "started_at", "finished_at");
            double ingestSeconds = serverSeconds > 0 ? serverSeconds : (jobDone - uploaded) / 1e9;
            double finalizeSeconds = (allDecided - (poller.firstDecidedNanos() == 0 ? t0 : poller.firstDecidedNanos())) / 1e9;
            double e2e = (Math.max(allDecided, allDelivered) - t0) / 1e9;
            report.figure("upload (HTTP, multipart to S3)", (uploaded - t0) / 1e9, "s")
                    .figure("ingestion (job started → completed)", j.path("rows_total").asLong() / ingestSeconds, "rows/s", rawRows,
                            "slower of MongoDB bulk insert and Kafka produce, per row")
                    .figure("finalization (first → last order decided)", counts.decided() / Math.max(finalizeSeconds, 1e-9), "orders/s",
                            rawAlloc, "PostgreSQL allocation SQL")
                    .figure("end to end (upload → all finalized" + (noWebhooks ? ")" : " and all webhooks delivered)"), e2e, "s");
            double backlog = backlogRate(stats.validOrders() - decidedAtJobDone, allDecided - jobDone);
            if (!Double.isNaN(backlog)) {
                report.figure("finalization after ingestion (backlog at job completed → last order decided)", backlog, "orders/s",
                        rawAlloc, "PostgreSQL allocation SQL");
            }
            if (!noWebhooks) {
                double firstHook = receiver.firstNanos() == 0 ? Double.NaN : (receiver.firstNanos() - t0) / 1e9;
                double hookSeconds = receiver.firstNanos() == 0 ? Double.NaN : (allDelivered - receiver.firstNanos()) / 1e9;
                report.figure("time to first webhook (from upload start)", firstHook, "s")
                        .figure("webhook deliveries (first → last)", receiver.delivered() / hookSeconds, "deliveries/s", rawHttp,
                                "JDK HTTP POST to a local receiver")
                        .figure("webhook requests received (incl. retries)", receiver.requests(), "requests");
            }
            report.check("upload job completed", "completed".equals(j.path("status").asText()),
                            "status " + j.path("status").asText() + (j.hasNonNull("failure_reason") ? ": " + j.get("failure_reason").asText() : ""))
                    .check("rows valid as generated", j.path("rows_valid").asLong() == stats.validRows(),
                            j.path("rows_valid").asLong() + " vs " + stats.validRows())
                    .check("rows invalid as generated", j.path("rows_invalid").asLong() == stats.invalidRows(),
                            j.path("rows_invalid").asLong() + " vs " + stats.invalidRows())
                    .check("orders created as generated", j.path("orders_created").asLong() == stats.validOrders(),
                            j.path("orders_created").asLong() + " vs " + stats.validOrders())
                    .check("every order finalized", counts.allocated() == stats.validOrders(),
                            counts.allocated() + " allocated, " + counts.held() + " held, of " + stats.validOrders());
            if (!noWebhooks) {
                report.check("every webhook delivered", receiver.delivered() >= expectedWebhooks,
                        receiver.ofType("order.created") + " order.created + " + receiver.ofType("order.updated") + " order.updated of "
                                + expectedWebhooks);
            }
            report.note(String.format("File: %,d rows, %,d invalid (%s), %,d valid orders of which %,d multi-item, %,d units.",
                    stats.rows(), stats.invalidRows(), invalidShare, stats.validOrders(), stats.multiItemOrders(), stats.units()));
            report.note("Finalized = orders with status new_order (or on_hold with a reason), counted in MongoDB (three count commands) every 2 s "
                    + "(or 9× as long as a count takes, whichever is longer) when order-finalizer's ordermesh_finalizer_orders_total "
                    + "cannot be read or has not grown for " + Poller.STILL_MILLIS / 1000 + " s (while it grows, counting would only "
                    + "slow the run); the first order's moment is when that counter or a count "
                    + "first showed a decision, the last order's when order-finalizer's ordermesh_finalizer_orders_total had grown "
                    + "by the number of orders, confirmed by a count.");
            if (poller.unconfirmed() != null) {
                report.note("The end of finalization could not be confirmed by a count in MongoDB (" + Poller.MAX_FAILED_CONFIRMATIONS
                        + " failed in a row; last: " + poller.unconfirmed() + "): it is taken from order-finalizer's counter alone"
                        + (poller.recounted() ? "; the counts above were read again after the webhooks." : "."));
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return OrdersCommand.finish(report, target.reportDir);
    }

    /**
     * Sends {@link #warmup} rows of a tenant of their own (never the measured one, even with
     * {@code --tenant}) through the whole flow and waits for their last decision and webhook, so the
     * measured run meets services whose code is compiled and whose pools and caches are filled, and
     * no backlog of the warm-up. Answers what the warm-up took, for the report's notes.
     */
    private String warmUp(Http http, long deadline) throws Exception {
        Fixture w = Fixture.create(http, target.ims, skuCount, Math.max(1000, warmup * 5));
        Path file = Files.createTempFile(target.reportDir, "warmup-" + warmup + "-", ".csv");
        long t0 = System.nanoTime();
        LongSupplier decided = finalizerCounter(http, target.finalizer);
        try (WebhookReceiver receiver = new WebhookReceiver(0);
             Outcomes outcomes = new Outcomes(target.mongo, target.mongoDb);
             Poller poller = new Poller(() -> outcomes.count(w.tenant()), 2, decided)) {
            CsvGenerator.Stats stats = new CsvGenerator(w, invalidShare, seed + 1).write(file, warmup);
            long expectedWebhooks = 0;
            if (!noWebhooks) {
                subscribe(http, w.tenant(), receiver, "loadtest warm-up receiver");
                expectedWebhooks = stats.validOrders() * EVENTS.size();
            }
            String uploadId = http.upload(target.oms + "/orders/upload", w.tenant(), file).expect(202).json().get("upload_id").asText();
            JsonNode job = followJob(http, w.tenant(), uploadId, deadline, rows -> { });
            if (job == null || !"completed".equals(job.path("status").asText())) {
                throw new IllegalStateException("warm-up upload " + uploadId + (job == null || !"failed".equals(job.path("status").asText())
                        ? " not completed by the deadline (--timeout): " : " failed: ") + job);
            }
            double jobSeconds = seconds(job, "started_at", "finished_at");
            double rowsPerSecond = jobSeconds > 0 ? job.path("rows_total").asLong() / jobSeconds : Double.NaN;
            System.err.printf("warm-up: %,d rows ingested (%,.0f rows/s); waiting for %,d orders and %,d webhooks%n", warmup,
                    rowsPerSecond, stats.validOrders(), expectedWebhooks);
            // The counter (all tenants, retries too) says when to look; a count of the warm-up tenant's
            // orders confirms, so that none of its decisions is still to come in the measured run.
            poller.awaitConfirmed(stats.validOrders(), decided, deadline);
            boolean allDecided = poller.unconfirmed() != null || poller.latest().allDecided(stats.validOrders());
            if (!allDecided || !awaitDeliveries(receiver, expectedWebhooks, deadline)) {
                throw new IllegalStateException("warm-up not through by the deadline (--timeout): " + receiver.delivered() + " of "
                        + expectedWebhooks + " webhooks, " + poller.latest().decided() + " of " + stats.validOrders() + " orders decided");
            }
            return String.format("Warm-up before the measured run (not in its figures): %,d rows of another tenant, %,d orders, "
                            + "through the whole flow in %s (ingestion %,.0f rows/s), every order decided%s.",
                    warmup, stats.validOrders(), Report.duration((System.nanoTime() - t0) / 1e9), rowsPerSecond,
                    noWebhooks ? " (no webhooks)" : " and every webhook delivered");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Waits until {@code receiver} has {@code expected} deliveries or the deadline passed; answers whether it has them. */
    private static boolean awaitDeliveries(WebhookReceiver receiver, long expected, long deadline) throws InterruptedException {
        while (receiver.delivered() < expected && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        return receiver.delivered() >= expected;
    }

    private void subscribe(Http http, String tenant, WebhookReceiver receiver, String description) {
        http.post(target.oms + "/webhooks", tenant, Map.of("url", receiver.url(), "events", EVENTS, "description", description)).expect(201);
    }

    /**
     * Follows an upload job until it completed or failed (or the deadline), as a client would: a
     * request without an answer in time, or a 503 from a store too busy to answer, is asked again.
     * Answers the job as last read (null if never read); {@code rowsSeen} gets its row count on every read.
     */
    private JsonNode followJob(Http http, String tenant, String uploadId, long deadline, LongConsumer rowsSeen) throws InterruptedException {
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            Http.Answer answer;
            try {
                answer = http.get(target.oms + "/orders/uploads/" + uploadId, tenant);
            } catch (UncheckedIOException e) {
                answer = null;
            }
            if (answer == null || answer.status() == 503) {
                Thread.sleep(1000);
                continue;
            }
            last = answer.expect(200).json();
            rowsSeen.accept(last.path("rows_total").asLong());
            String status = last.path("status").asText();
            if ("completed".equals(status) || "failed".equals(status)) {
                break;
            }
            Thread.sleep(500);
        }
        return last;
    }

    /**
     * order-finalizer's own pace: the orders still undecided when the upload job completed, over the
     * time it took to decide them, when nothing else competes for the machine but the webhooks.
     * NaN when there was no backlog worth timing (under a thousand orders).
     */
    static double backlogRate(long undecided, long nanos) {
        return undecided < 1000 || nanos <= 0 ? Double.NaN : undecided / (nanos / 1e9);
    }

    /**
     * Orders order-finalizer decided since this call, from its {@code ordermesh_finalizer_orders_total}
     * (a counter per outcome); -1 when its metrics cannot be read. Much cheaper than a count in MongoDB.
     */
    private static LongSupplier finalizerCounter(Http http, String finalizer) {
        LongSupplier read = () -> {
            try {
                double v = PrometheusText.scrape(http, finalizer).map(m -> m.sum("ordermesh_finalizer_orders_total")).orElse(Double.NaN);
                return Double.isNaN(v) ? -1 : (long) v;
            } catch (RuntimeException e) {
                return -1;
            }
        };
        long baseline = read.getAsLong();
        return () -> {
            long now = read.getAsLong();
            return baseline < 0 || now < 0 ? -1 : now - baseline;
        };
    }

    private static double seconds(JsonNode job, String from, String to) {
        if (job == null || !job.hasNonNull(from) || !job.hasNonNull(to)) {
            return -1;
        }
        return Duration.between(Instant.parse(job.get(from).asText()), Instant.parse(job.get(to).asText())).toMillis() / 1000.0;
    }
}
