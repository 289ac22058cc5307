package io.ordermesh.loadtest;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code oversell}: the classic race. {@code --orders} single-unit orders for one SKU with
 * {@code --stock} units, sent concurrently through POST /orders and finalized by the suite;
 * the run fails (exit 1, loud message) if more units were allocated than there were.
 */
@Command(name = "oversell", mixinStandardHelpOptions = true,
        description = "Races N single-unit orders for one SKU with S units; reports allocated vs stock and fails on any oversell.")
final class OversellCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Option(names = "--stock", defaultValue = "100", description = "units on hand (default: ${DEFAULT-VALUE})")
    long stock;

    @Option(names = "--orders", defaultValue = "500", description = "single-unit orders (default: ${DEFAULT-VALUE})")
    long orders;

    @Option(names = "--concurrency", defaultValue = "64", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--timeout", defaultValue = "PT10M", description = "how long to wait for every order to be decided (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        Http http = new Http();
        if (target.tenant != null) {
            throw new IllegalArgumentException("oversell sets up its own tenant and SKU: its stock must be exactly --stock");
        }
        Fixture f = target.fixture(http, 1, stock);
        String run = UUID.randomUUID().toString().substring(0, 8);
        OrderDriver driver = new OrderDriver(http, target.oms, f.tenant());
        long t0 = System.nanoTime();
        OrderDriver.Result sent;
        Outcomes.Counts counts;
        Report report = new Report("oversell").parameter("stock", stock).parameter("orders", orders)
                .parameter("concurrency", concurrency).parameter("tenant", f.tenant()).parameter("sku", f.skus().get(0));
        try (Outcomes outcomes = new Outcomes(target.mongo, target.mongoDb); Poller poller = new Poller(() -> outcomes.count(f.tenant()), 2)) {
            Monitor monitor = new Monitor(http, target.services(), List.of(new Monitor.Counter("orders sent", orders, driver.answered::get),
                    new Monitor.Counter("decided", orders, () -> poller.latest().decided())), System.err).start();
            try (monitor) {
                sent = driver.run(orders, concurrency, i -> OrderDriver.order(f, "R" + run + "-" + i, 0, 1));
                counts = poller.await(sent.created(), System.nanoTime() + timeout.toNanos());
            }
            report.monitor(monitor);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long level = f.levels(http, target.ims).get(0);
        long allocated = counts.allocated();
        boolean decided = counts.decided() >= sent.created();
        report.figure("orders accepted (201)", sent.created(), "orders")
                .figure("allocated", allocated, "units")
                .figure("held (insufficient stock)", counts.held(), "orders")
                .figure("quantity on hand after", level, "units")
                .figure("POST /orders", sent.createdPerSecond(), "orders/s")
                .figure("send to all decided", seconds, "s")
                .latency(sent.latencyMicros()).statuses(sent.byStatus())
                .check("no oversell: allocated <= stock", allocated <= stock, allocated + " allocated of " + stock)
                .check("level never below zero", level >= 0, "quantity on hand " + level)
                .check("allocated + on hand = stock", allocated + level == stock, allocated + " + " + level + " vs " + stock)
                .check("every order decided", decided && counts.decided() == counts.total(),
                        counts.decided() + " decided of " + counts.total() + " (" + sent.created() + " answered 201) within " + timeout)
                .check("all stock sold when demand exceeds it", !decided || allocated == Math.min(stock, counts.total()),
                        allocated + " allocated, expected " + Math.min(stock, counts.total()));
        if (allocated > stock || level < 0) {
            System.err.println();
            System.err.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
            System.err.printf("!!! OVERSOLD: %d units allocated, only %d in stock (on hand now %d)%n", allocated, stock, level);
            System.err.println("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        }
        return OrdersCommand.finish(report, target.reportDir);
    }
}
