package io.ordermesh.systemtests;

import com.mongodb.client.model.Filters;
import io.ordermesh.testsupport.ServiceProcess;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario 4: two instances of each worker at once → the same end state as with one, and each
 * instance did part of the work (csv-processor: two lease owners on the files; order-finalizer and
 * webhook-dispatcher: both instances' counters moved).
 */
class Scenario4TwoInstancesIT {

    private static final String ALLOCATED = "ordermesh_finalizer_orders_total";
    private static final String DELIVERED = "ordermesh_webhooks_deliveries_total";

    @Test
    void twoInstancesOfEveryWorkerShareTheWorkAndReachTheSameEndState() {
        Report r = Report.begin("Scenario 4: two instances of each worker");
        boolean passed = false;
        Suite suite = Suite.get();
        try {
            List<CompletableFuture<ServiceProcess>> second = Suite.WORKERS.stream()
                    .map(m -> CompletableFuture.supplyAsync(() -> suite.start(m), Suite.BACKGROUND)).toList();
            second.forEach(CompletableFuture::join);
            r.phase("second instance of csv-processor, order-finalizer, webhook-dispatcher ready");
            Map<ServiceProcess, Double> before = new HashMap<>();
            for (ServiceProcess p : suite.instances(Suite.FINALIZER)) {
                before.put(p, Suite.metric(p, ALLOCATED, "outcome=\"allocated\""));
            }
            for (ServiceProcess p : suite.instances(Suite.DISPATCHER)) {
                before.put(p, Suite.metric(p, DELIVERED, "outcome=\"succeeded\""));
            }

            Shop shop = Shop.open(suite, "twins", 10, 10_000_000);
            int files = 4;
            int rows = Scale.of(20_000, 400) / files;
            int rest = Scale.of(1_000, 20);
            List<Shop.CsvFile> csvs = new ArrayList<>();
            List<String> uploads = new ArrayList<>();
            for (int f = 0; f < files; f++) {
                Shop.CsvFile file = shop.csv(rows, i -> shop.skus.get(i % 10), i -> null);
                csvs.add(file);
                uploads.add(shop.upload(file, "twins-" + f + ".csv"));
            }
            // Who holds each file's lease while it is processed: two instances should both appear.
            Set<String> owners = ConcurrentHashMap.newKeySet();
            AtomicBoolean sampling = new AtomicBoolean(true);
            CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
                var jobs = suite.db().getCollection("uploads");
                while (sampling.get()) {
                    jobs.find(Filters.in("_id", uploads)).forEach((Document d) -> {
                        if (d.getString("lease_owner") != null) {
                            owners.add(d.getString("lease_owner"));
                        }
                    });
                    Suite.sleep(200);
                }
            }, Suite.BACKGROUND);
            shop.orders("twins", rest, i -> shop.skus.get(i % 10));
            for (int f = 0; f < files; f++) {
                shop.awaitUpload(uploads.get(f), csvs.get(f), Scale.settle(rows * files));
            }
            sampling.set(false);
            sampler.join();
            r.phase(files + " files of " + rows + " rows and " + rest + " REST orders processed");

            int orders = rest + rows * files;
            Promises.Found found = Promises.check(shop, new Promises.Expect(orders, 0, 1), Scale.settle(orders));
            r.phase("promises checked: same end state as with one instance");
            r.note(found.toString());

            assertTrue(owners.size() >= 2, "both csv-processors took files: lease owners seen " + owners);
            List<String> shares = new ArrayList<>();
            shares.add("csv-processor lease owners seen: " + owners.size());
            for (ServiceProcess p : suite.instances(Suite.FINALIZER)) {
                double did = Suite.metric(p, ALLOCATED, "outcome=\"allocated\"") - before.get(p);
                shares.add(String.format("order-finalizer %s allocated %.0f", p.url(), did));
                assertTrue(did > 0, "order-finalizer " + p.url() + " did none of the work");
            }
            for (ServiceProcess p : suite.instances(Suite.DISPATCHER)) {
                double did = Suite.metric(p, DELIVERED, "outcome=\"succeeded\"") - before.get(p);
                shares.add(String.format("webhook-dispatcher %s delivered %.0f", p.url(), did));
                assertTrue(did > 0, "webhook-dispatcher " + p.url() + " did none of the work");
            }
            r.note("work shared: " + String.join("; ", shares));
            assertEquals(List.of(), suite.notReadyAfter(java.time.Duration.ofMinutes(2)), "every instance healthy");
            passed = true;
        } finally {
            Suite.WORKERS.forEach(suite::shrinkToOne);
            r.end(passed);
        }
    }
}
