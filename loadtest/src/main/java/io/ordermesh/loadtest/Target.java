package io.ordermesh.loadtest;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where the suite and its stores are, and where the report goes: options every command shares. */
final class Target {

    @Option(names = "--oms", defaultValue = "http://127.0.0.1:8080", description = "oms-api base URL (default: ${DEFAULT-VALUE})")
    String oms;

    @Option(names = "--ims", defaultValue = "http://127.0.0.1:8081", description = "ims-api base URL (default: ${DEFAULT-VALUE})")
    String ims;

    @Option(names = "--csv-processor", defaultValue = "http://127.0.0.1:8082", description = "csv-processor base URL, for /q/metrics")
    String csvProcessor;

    @Option(names = "--finalizer", defaultValue = "http://127.0.0.1:8083", description = "order-finalizer base URL, for /q/metrics")
    String finalizer;

    @Option(names = "--dispatcher", defaultValue = "http://127.0.0.1:8084", description = "webhook-dispatcher base URL, for /q/metrics")
    String dispatcher;

    @Option(names = "--mongo", defaultValue = "mongodb://127.0.0.1:27017", description = "MongoDB the suite writes orders to (for counts)")
    String mongo;

    @Option(names = "--mongo-db", defaultValue = "oms", description = "its database (default: ${DEFAULT-VALUE})")
    String mongoDb;

    @Option(names = "--report-dir", defaultValue = "loadtest-reports", description = "where reports and limits.json go (default: ${DEFAULT-VALUE})")
    Path reportDir;

    @Option(names = "--pid-dir", description = "the launcher's pid files (<home>/pids), for RSS from /proc; default .local/pids if present")
    Path pidDir;

    @Option(names = "--pid", split = ",", description = "service=pid pairs, e.g. oms-api=1234 (overrides --pid-dir)")
    List<String> pids = new ArrayList<>();

    @Option(names = "--tenant", description = "use this tenant (with --seller, --hub, --skus) instead of creating one")
    String tenant;

    @Option(names = "--seller")
    String seller;

    @Option(names = "--hub")
    String hub;

    @Option(names = "--skus", split = ",")
    List<String> skus;

    @Option(names = "--no-metrics", description = "do not scrape /q/metrics or read /proc")
    boolean noMetrics;

    Fixture fixture(Http http, int skuCount, long stockPerSku) {
        if (tenant != null) {
            if (seller == null || hub == null || skus == null || skus.isEmpty()) {
                throw new IllegalArgumentException("--tenant needs --seller, --hub and --skus too");
            }
            return new Fixture(tenant, seller, hub, List.copyOf(skus));
        }
        return Fixture.create(http, ims, skuCount, stockPerSku);
    }

    List<Monitor.Watched> services() {
        if (noMetrics) {
            return List.of();
        }
        Path dir = pidDir != null ? pidDir : Files.isDirectory(Path.of(".local/pids")) ? Path.of(".local/pids") : null;
        List<Monitor.Watched> out = new ArrayList<>();
        String[][] all = {{"oms-api", oms}, {"ims-api", ims}, {"csv-processor", csvProcessor}, {"order-finalizer", finalizer},
                {"webhook-dispatcher", dispatcher}};
        for (String[] s : all) {
            Long pid = pids.stream().filter(p -> p.startsWith(s[0] + "=")).map(p -> Long.parseLong(p.substring(s[0].length() + 1)))
                    .findFirst().orElse(Monitor.pidFromDir(dir, s[0]));
            out.add(new Monitor.Watched(s[0], s[1], pid));
        }
        return out;
    }
}
