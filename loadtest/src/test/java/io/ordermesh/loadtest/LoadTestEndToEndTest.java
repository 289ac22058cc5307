package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tool's commands against the five real packaged services (each its own process, on free
 * ports, with this run's own databases, topics and queue): limits, oversell 500 on 100,
 * orders 200, csv 1,000 rows (after 300 of another tenant as warm-up) to the last webhook. Each must
 * exit 0 and leave a report that says so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoadTestEndToEndTest {

    static final Path REPORTS = TestStack.repositoryRoot().resolve("loadtest/target/e2e-reports-" + TestStack.RUN_ID);
    static final List<ServiceProcess> SERVICES = new ArrayList<>();
    static ServiceProcess ims;
    static ServiceProcess oms;
    static ServiceProcess csv;
    static ServiceProcess finalizer;
    static ServiceProcess dispatcher;

    @BeforeAll
    static void startTheSuite() {
        TestStack.ensureUp();
        String run = TestStack.RUN_ID;
        ims = ServiceProcess.start("ims-api", "256m", Map.of("quarkus.datasource.jdbc.url", TestStack.postgresDatabase("ims")));
        SERVICES.add(ims);
        Map<String, String> common = new HashMap<>(Map.of(
                "quarkus.profile", "prod,local",
                "quarkus.mongodb.database", "oms_" + run,
                "ordermesh.topics.order-created", "order.created." + run,
                "ordermesh.topics.order-updated", "order.updated." + run,
                "ordermesh.topics.order-created-dlq", "order.created.dlq." + run,
                "ordermesh.bulk.queue", TestStack.sqsQueue("ordermesh-bulk-orders", 5),
                "quarkus.rest-client.ims.url", ims.url()));
        Map<String, String> fin = new HashMap<>(common);
        fin.put("ordermesh.finalizer.consumer.group", "order-finalizer-" + run);
        Map<String, String> wh = new HashMap<>(common);
        wh.put("mp.messaging.incoming.order-events.group.id", "webhook-dispatcher-" + run);
        Map<String, String> csvProps = new HashMap<>(common);
        csvProps.put("ordermesh.csv.poll-wait", "PT1S");
        // One after another: on two shared cores, JVMs starting together each take longer than the start-up timeout.
        oms = start("oms-api", common);
        csv = start("csv-processor", csvProps);
        finalizer = start("order-finalizer", fin);
        dispatcher = start("webhook-dispatcher", wh);
    }

    private static ServiceProcess start(String module, Map<String, String> props) {
        try {
            ServiceProcess p = ServiceProcess.start(module, "256m", props);
            SERVICES.add(p);
            return p;
        } catch (RuntimeException e) {
            stopTheSuite();
            throw e;
        }
    }

    @AfterAll
    static void stopTheSuite() {
        SERVICES.forEach(ServiceProcess::close);
    }

    private static int loadtest(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--oms", oms.url(), "--ims", ims.url(), "--csv-processor", csv.url(), "--finalizer", finalizer.url(),
                "--dispatcher", dispatcher.url(), "--mongo-db", "oms_" + TestStack.RUN_ID, "--report-dir", REPORTS.toString(),
                "--pid", "oms-api=" + oms.pid() + ",ims-api=" + ims.pid() + ",csv-processor=" + csv.pid() + ",order-finalizer="
                        + finalizer.pid() + ",webhook-dispatcher=" + dispatcher.pid()));
        return LoadTest.run(all.toArray(String[]::new));
    }

    private static JsonNode report(String command) throws Exception {
        try (Stream<Path> files = Files.list(REPORTS)) {
            Path json = files.filter(p -> p.getFileName().toString().startsWith(command + "-") && p.toString().endsWith(".json"))
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no " + command + " report in " + REPORTS));
            assertTrue(Files.exists(json.resolveSibling(json.getFileName().toString().replace(".json", ".md"))));
            assertTrue(Files.readString(json.resolveSibling(json.getFileName().toString().replace(".json", ".svg"))).contains("<polyline"));
            return Http.JSON.readTree(json.toFile());
        }
    }

    private static double figure(JsonNode report, String prefix) {
        for (JsonNode f : report.get("figures")) {
            if (f.get("name").asText().startsWith(prefix)) {
                return f.get("value").asDouble();
            }
        }
        throw new AssertionError("no figure " + prefix + " in " + report);
    }

    @Test
    @Order(1)
    void limitsMeasuresTheFourRawRatesAndWritesThemForTheOtherCommands() throws Exception {
        assertEquals(0, loadtest("limits", "--docs", "2000", "--posts", "500"));
        JsonNode limits = Http.JSON.readTree(REPORTS.resolve(Limits.FILE).toFile());
        for (String key : List.of(Limits.MONGO, Limits.KAFKA, Limits.POSTGRES, Limits.HTTP)) {
            assertTrue(limits.get(key).asDouble() > 0, key + " measured: " + limits);
        }
    }

    @Test
    @Order(2)
    void oversellOf500OrdersOn100UnitsAllocatesExactly100() throws Exception {
        assertEquals(0, loadtest("oversell", "--stock", "100", "--orders", "500", "--concurrency", "16", "--timeout", "PT2M"));
        JsonNode r = report("oversell");
        assertTrue(r.get("passed").asBoolean(), r.toString());
        assertEquals(100.0, figure(r, "allocated"));
        assertEquals(400.0, figure(r, "held"));
        assertEquals(0.0, figure(r, "quantity on hand after"));
        JsonNode mem = r.get("memory").get("oms-api");
        assertTrue(mem.get("peak_rss_mib").asDouble() > 50, "RSS read from /proc: " + mem);
        assertTrue(mem.get("peak_heap_used_mib").asDouble() > 0, "heap read from /q/metrics: " + mem);
    }

    @Test
    @Order(3)
    void ordersReportsThroughputPercentilesAndARatioToTheRawLimit() throws Exception {
        assertEquals(0, loadtest("orders", "--num", "200", "--concurrency", "8", "--batch", "2", "--warmup", "20"));
        JsonNode r = report("orders");
        assertEquals(200, r.get("responses_by_status").get("201").asLong());
        assertEquals(200, r.get("latency_ms").get("count").asLong());
        assertTrue(r.get("latency_ms").get("p99").asDouble() >= r.get("latency_ms").get("p50").asDouble());
        assertTrue(r.get("figures").get(0).get("ratio").asDouble() > 0, "ratio to limits.json: " + r.get("figures").get(0));
    }

    @Test
    @Order(4)
    void csvFollowsAnUploadToTheLastWebhookWithExactCountsAfterAWarmUpOfAnotherTenant() throws Exception {
        assertEquals(0, loadtest("csv", "--rows", "1000", "--invalid-share", "0.05", "--warmup", "300", "--timeout", "PT3M"));
        JsonNode r = report("csv");
        // Exact counts of the measured tenant: none of the warm-up's orders or webhooks counted in.
        assertTrue(r.get("passed").asBoolean(), r.toString());
        assertEquals(300, r.get("parameters").get("warmup_rows").asLong());
        assertTrue(r.get("notes").toString().contains("every order decided and every webhook delivered"), r.get("notes").toString());
        assertTrue(figure(r, "ingestion") > 0);
        assertTrue(figure(r, "time to first webhook") > 0);
        assertTrue(figure(r, "end to end") >= figure(r, "time to first webhook"));
    }
}
