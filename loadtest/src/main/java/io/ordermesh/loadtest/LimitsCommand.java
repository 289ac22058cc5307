package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code limits}: the raw rates of the same infrastructure on this machine. Written to
 * {@code <report-dir>/limits.json}, which the other commands read to give each figure its ratio.
 */
@Command(name = "limits", mixinStandardHelpOptions = true,
        description = "Measures MongoDB bulk insert, Kafka produce, PostgreSQL allocation SQL and HTTP to a local receiver.")
final class LimitsCommand implements Callable<Integer> {

    @Mixin
    Target target;

    @Option(names = "--kafka", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE})")
    String kafka;

    @Option(names = "--jdbc", defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres",
            description = "PostgreSQL for a scratch schema, dropped afterwards (default: ${DEFAULT-VALUE})")
    String jdbc;

    @Option(names = "--jdbc-user", defaultValue = "postgres")
    String jdbcUser;

    @Option(names = "--jdbc-password", defaultValue = "")
    String jdbcPassword;

    @Option(names = "--docs", defaultValue = "100000", description = "documents / records / orders timed per measurement, after a fifth "
            + "as many untimed (default: ${DEFAULT-VALUE})")
    int docs;

    @Option(names = "--posts", defaultValue = "10000", description = "HTTP posts timed, after a fifth as many untimed (default: ${DEFAULT-VALUE})")
    int posts;

    @Option(names = "--http-concurrency", defaultValue = "8", description = "posts in flight, as the dispatcher's per-endpoint lane (default: ${DEFAULT-VALUE})")
    int httpConcurrency;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("measured_at", Instant.now().toString());
        out.put("cores", Runtime.getRuntime().availableProcessors());
        System.err.println("MongoDB bulk insert ...");
        double mongo = Limits.mongoBulkInsert(target.mongo, target.mongoDb, docs);
        out.put(Limits.MONGO, mongo);
        System.err.println("Kafka produce ...");
        double kafkaRate = Limits.kafkaProduce(kafka, docs);
        out.put(Limits.KAFKA, kafkaRate);
        System.err.println("PostgreSQL allocation SQL ...");
        double pg = Limits.postgresAllocation(jdbc, jdbcUser, jdbcPassword, docs);
        out.put(Limits.POSTGRES, pg);
        System.err.println("HTTP POST to a local receiver ...");
        double httpRate = Limits.httpPost(posts, httpConcurrency);
        out.put(Limits.HTTP, httpRate);
        Files.createDirectories(target.reportDir);
        Files.writeString(target.reportDir.resolve(Limits.FILE),
                Http.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        Report report = new Report("limits").parameter("docs", docs).parameter("posts", posts)
                .parameter("http_concurrency", httpConcurrency)
                .figure("MongoDB insertMany (unordered, 1,000 order documents each)", mongo, "docs/s")
                .figure("Kafka produce (idempotent, acks=all, 900-byte records)", kafkaRate, "records/s")
                .figure("PostgreSQL allocation SQL (batches of 500, 4 clients)", pg, "orders/s")
                .figure("HTTP POST of a 1.2 KB body to a local receiver", httpRate, "posts/s")
                .note("Each rate is timed after a fifth as many operations untimed (JIT compilation, connections, the stores' first pages).")
                .note("Written to " + target.reportDir.resolve(Limits.FILE) + "; orders, csv and oversell read it for their ratios.");
        return OrdersCommand.finish(report, target.reportDir);
    }
}
