package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code orders}: POST /orders throughput and latency percentiles at a given concurrency. */
@Command(name = "orders", mixinStandardHelpOptions = true,
        description = "Creates orders through POST /orders; reports throughput, latency percentiles and answers by status.")
final class OrdersCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Option(names = "--num", defaultValue = "10000", description = "orders to create (default: ${DEFAULT-VALUE})")
    long num;

    @Option(names = "--batch", defaultValue = "1", description = "items (distinct SKUs) per order (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--concurrency", defaultValue = "16", description = "clients, each with one request in flight (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--warmup", defaultValue = "200", description = "orders sent first and left out of the figures (default: ${DEFAULT-VALUE})")
    long warmup;

    @Option(names = "--sku-count", defaultValue = "50", description = "SKUs of the tenant the tool creates (default: ${DEFAULT-VALUE})")
    int skuCount;

    @Override
    public Integer call() throws Exception {
        Http http = new Http();
        Fixture f = target.fixture(http, Math.max(skuCount, batch), 1_000_000_000L);
        String run = UUID.randomUUID().toString().substring(0, 8);
        OrderDriver driver = new OrderDriver(http, target.oms, f.tenant());
        if (warmup > 0) {
            driver.run(warmup, concurrency, i -> OrderDriver.order(f, "W" + run + "-" + i, i, batch));
        }
        OrderDriver measured = new OrderDriver(http, target.oms, f.tenant());
        OrderDriver.Result r;
        Monitor monitor = new Monitor(http, target.services(), List.of(new Monitor.Counter("orders", num, measured.answered::get)), System.err)
                .start();
        try (monitor) {
            r = measured.run(num, concurrency, i -> OrderDriver.order(f, "O" + run + "-" + i, i, batch));
        }
        JsonNode limits = Limits.read(target.reportDir);
        Double raw = min(Limits.value(limits, Limits.MONGO), Limits.value(limits, Limits.KAFKA));
        Report report = new Report("orders").parameter("num", num).parameter("batch", batch).parameter("concurrency", concurrency)
                .parameter("warmup", warmup).parameter("tenant", f.tenant())
                .figure("POST /orders created", r.createdPerSecond(), "orders/s", raw, "slower of MongoDB bulk insert and Kafka produce")
                .figure("p99 latency", r.latencyMicros().getValueAtPercentile(99) / 1000.0, "ms")
                .latency(r.latencyMicros()).statuses(r.byStatus()).monitor(monitor)
                .check("every order created (201)", r.created() == num, r.created() + " of " + num + " answered 201");
        if (raw == null) {
            report.note("No limits.json in " + target.reportDir + ": run `loadtest limits` first for ratios.");
        }
        return finish(report, target.reportDir);
    }

    /** The smaller of two figures either of which may be missing (null when both are). */
    static Double min(Double a, Double b) {
        // Not one conditional expression: its mixed Double/double operands would unbox a null.
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.min(a, b);
    }

    /** Writes the report, prints its summary, and answers the exit code. */
    static int finish(Report report, Path dir) {
        Path md = report.write(dir);
        System.out.println();
        for (Report.Figure fig : report.figures()) {
            System.out.printf("%-55s %,12.1f %s%s%n", fig.name(), fig.value(), fig.unit(),
                    fig.ratio() == null ? "" : String.format("   (limit %,.0f, ratio %.2f)", fig.limit(), fig.ratio()));
        }
        for (Report.Check c : report.checks()) {
            System.out.printf("%s  %s: %s%n", c.passed() ? "PASS" : "FAIL", c.name(), c.detail());
        }
        System.out.println("report: " + md.toAbsolutePath() + " (+ .json, .svg)");
        return report.passed() ? 0 : 1;
    }
}
