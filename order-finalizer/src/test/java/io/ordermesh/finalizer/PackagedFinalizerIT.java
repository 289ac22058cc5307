package io.ordermesh.finalizer;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.finalizer.support.Awaits;
import io.ordermesh.finalizer.support.ImsData;
import io.ordermesh.finalizer.support.OrderFeed;
import io.ordermesh.finalizer.support.TcpProxy;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static io.ordermesh.finalizer.support.Awaits.count;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged order-finalizer as a separate process (integration-test phase, after packaging),
 * against the real stack and the real ims-api behind a switchable TCP proxy: killed with
 * {@code kill -9} in the middle of its work and restarted, cut off from IMS for a while, and
 * stopped with SIGTERM mid-stream (what Kubernetes does on a rollout or scale-down).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedFinalizerIT {

    private static final String TOPIC_CREATED = "order.created." + TestStack.RUN_ID;
    private static final String TOPIC_UPDATED = "order.updated." + TestStack.RUN_ID;
    private static final String GROUP = "order-finalizer-" + TestStack.RUN_ID;

    private static ImsApiResource imsResource;
    private static ImsData ims;
    private static TcpProxy proxy;
    private static MongoClient mongo;
    private static MongoCollection<Document> orders;
    private static ObjectMapper json;
    private static ServiceProcess app;

    @BeforeAll
    static void startStack() throws Exception {
        TestStack.ensureUp();
        imsResource = new ImsApiResource();
        String imsUrl = imsResource.start().get("ordermesh.test.ims-url");
        ims = new ImsData(imsUrl);
        proxy = new TcpProxy(URI.create(imsUrl).getPort());
        mongo = MongoClients.create("mongodb://127.0.0.1:27017");
        orders = mongo.getDatabase("oms_" + TestStack.RUN_ID).getCollection("orders");
        json = new ObjectMapper().registerModule(new JavaTimeModule())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        startApp();
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (app != null) {
            app.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (imsResource != null) {
            imsResource.stop();
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    private static void startApp() {
        app = ServiceProcess.start("order-finalizer", "256m", Map.of("quarkus.profile", "test",
                "ordermesh.test.run-id", TestStack.RUN_ID, "ordermesh.finalizer.consumer.threads", "2",
                // Batches the embedded MongoDB-compatible server finishes within the drain even on a loaded machine.
                "ordermesh.finalizer.consumer.max-poll-records", "200",
                "quarkus.rest-client.ims.url", "http://127.0.0.1:" + proxy.port()));
    }

    private static int readiness() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.url() + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static List<Order> orders(ImsData.Tenant t, String prefix, int n) {
        List<Order> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(OrderFeed.order(t, prefix + i, ImsData.items(t.skus().get(0), 1)));
        }
        return list;
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void killedWithSigkillMidRunAndRestartedEveryOrderIsAllocatedOnceAndAnnounced() throws Exception {
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 100_000);
        int n = 3000;
        List<Order> list = orders(t, "k9-", n);
        long atKill;
        try (OrderFeed feed = new OrderFeed(orders, json, TOPIC_CREATED)) {
            // A third first; the kill lands as soon as work has started, and the rest arrives while the
            // finalizer is dead, so the kill is mid-run however fast the machine is.
            feed.insertAndPublish(list.subList(0, n / 3));
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                    .until(() -> count(orders, t.id(), "new_order") > 0);
            app.kill(); // SIGKILL: no shutdown hook, no commit, no outbox flush
            atKill = count(orders, t.id(), "new_order");
            feed.insertAndPublish(list.subList(n / 3, n));
        }
        assertTrue(atKill < n, "the kill came too late to be mid-run: " + atKill);

        app.restart();
        everyOrderAllocatedOnceAndAnnounced(t, list, 100_000);
    }

    /** After a crash or a shutdown and a restart: all {@code list} new_order, one allocation each, levels exact, each announced. */
    private static void everyOrderAllocatedOnceAndAnnounced(ImsData.Tenant t, List<Order> list, long stock) {
        int n = list.size();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> count(orders, t.id(), "new_order") == n);

        assertEquals(stock - n, ims.level(t, t.skus().get(0)));
        List<Map<String, Object>> rows = ims.transactions(t, t.skus().get(0));
        assertEquals(n + 1, rows.size(), "one audit row per allocation plus the initial stock");
        Set<String> ids = list.stream().map(Order::orderId).collect(Collectors.toSet());
        assertEquals(ids, rows.stream().map(r -> r.get("reference")).filter(r -> r != null && ids.contains(r.toString()))
                .map(Object::toString).collect(Collectors.toSet()));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
            Set<String> announced = new HashSet<>();
            for (OrderEvent e : OrderFeed.events(json, TOPIC_UPDATED, ids)) {
                if (e.order().status() == OrderStatus.new_order) {
                    announced.add(e.order().orderId());
                }
            }
            assertEquals(n, announced.size(), "orders whose new_order event reached the topic");
        });
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void whileImsIsUnreachableNothingIsCommittedReadinessIsDownAndEverythingFinalizesAfterwards() throws Exception {
        if (!app.alive()) {
            app.restart(); // independent of how the earlier tests ended
        }
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 1000);
        List<Order> list = orders(t, "outage-", 300);
        Map<TopicPartition, OffsetAndMetadata> before = committed();
        proxy.down();
        try (OrderFeed feed = new OrderFeed(orders, json, TOPIC_CREATED)) {
            feed.insertAndPublish(list);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> readiness() == 503);
        Thread.sleep(3000); // several backoff rounds
        assertEquals(0, count(orders, t.id(), "new_order"));
        assertEquals(before, committed(), "offsets moved while IMS was unreachable");
        assertTrue(app.alive());

        proxy.up();
        await().atMost(Duration.ofSeconds(90)).until(() -> count(orders, t.id(), "new_order") == 300);
        await().atMost(Duration.ofSeconds(10)).until(() -> readiness() == 200);
        assertEquals(700, ims.level(t, t.skus().get(0)));
        Document one = Awaits.order(orders, t.id(), "outage-0");
        assertEquals("new_order", one.getString("status"));
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void sigtermMidStreamExitsInTimeCommitsOnlyFinishedWorkAndTheRestFinalizesAfterRestart() throws Exception {
        if (!app.alive()) {
            app.restart();
        }
        ImsData.Tenant t = ims.tenant(1);
        ims.setStock(t, t.skus().get(0), 100_000);
        int n = 3000;
        List<Order> list = orders(t, "term-", n);
        try (OrderFeed feed = new OrderFeed(orders, json, TOPIC_CREATED)) {
            feed.insertAndPublish(list);
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> count(orders, t.id(), "new_order") > 0);
        ServiceProcess.Exit exit = app.terminate(Duration.ofSeconds(55)); // grace period 60 s − preStop 5 s
        long atExit = count(orders, t.id(), "new_order");
        System.out.printf("PackagedFinalizerIT: SIGTERM → exit %d after %d ms with %d of %d orders finalized%n",
                exit.code(), exit.took().toMillis(), atExit, n);
        assertTrue(exit.inTime(), "order-finalizer did not exit within 55 s of SIGTERM");
        assertEquals(143, exit.code(), "exit code after SIGTERM and the shutdown hooks");
        assertTrue(atExit < n, "SIGTERM came too late to be mid-stream: " + atExit);

        // Every record below a committed offset is finished (new_order). The reverse need not hold: a commit
        // refused by the rebalance of the exiting threads leaves finished records to be seen again, harmlessly.
        Map<TopicPartition, OffsetAndMetadata> committed = committed();
        Set<String> ids = list.stream().map(Order::orderId).collect(Collectors.toSet());
        Set<String> finalized = new HashSet<>();
        orders.find(new Document("tenant_id", t.id().toString()).append("status", "new_order"))
                .forEach(d -> finalized.add(d.getString("order_id")));
        int belowCommit = 0;
        int finishedAboveCommit = 0;
        for (ConsumerRecord<String, String> r : OrderFeed.readAll(TOPIC_CREATED)) {
            if (!ids.contains(r.key())) {
                continue;
            }
            OffsetAndMetadata c = committed.get(new TopicPartition(r.topic(), r.partition()));
            boolean isCommitted = c != null && r.offset() < c.offset();
            if (isCommitted) {
                belowCommit++;
                assertTrue(finalized.contains(r.key()), "offset committed for an unfinished order " + r.key());
            } else if (finalized.contains(r.key())) {
                finishedAboveCommit++;
            }
        }
        System.out.printf("PackagedFinalizerIT: %d records committed, %d finished but not committed at exit%n", belowCommit, finishedAboveCommit);
        assertTrue(belowCommit > 0, "nothing committed before the exit");

        app.restart();
        everyOrderAllocatedOnceAndAnnounced(t, list, 100_000);
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, OrderFeed.BOOTSTRAP);
        try (Admin admin = Admin.create(p)) {
            return admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
        }
    }
}
