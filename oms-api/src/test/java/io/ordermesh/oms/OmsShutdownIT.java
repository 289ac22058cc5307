package io.ordermesh.oms;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.oms.support.EventTap;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.RequestBurst;
import io.ordermesh.testsupport.RequestBurst.Outcome;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged oms-api gets SIGTERM in the middle of a burst of concurrent {@code POST /orders}: it
 * stops taking requests, finishes those in flight and exits well within its grace period. Every
 * order answered 201 is in MongoDB and reaches {@code order.created} (after a restart if its event
 * was still pending), and no order exists that was not answered 201.
 */
class OmsShutdownIT {

    private static ImsApiResource imsApi;
    private static ServiceProcess oms;
    private static MongoClient mongo;
    private static String ims;

    @BeforeAll
    static void start() {
        TestStack.ensureUp();
        imsApi = new ImsApiResource();
        ims = imsApi.start().get("ordermesh.test.ims-url");
        oms = ServiceProcess.start("oms-api", "256m", Map.of("quarkus.profile", "test", "ordermesh.test.run-id", TestStack.RUN_ID,
                "ordermesh.bulk.queue", TestStack.sqsQueue("ordermesh-bulk-orders", 3), "quarkus.rest-client.ims.url", ims));
        mongo = MongoClients.create("mongodb://127.0.0.1:27017");
    }

    @AfterAll
    static void stop() {
        if (oms != null) {
            oms.close();
        }
        if (imsApi != null) {
            imsApi.stop();
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    @Test
    void sigtermDuringOrderBurstFinishesInFlightRequestsAndEveryAcknowledgedOrderIsStoredAndAnnounced() throws Exception {
        TestTenant t = TestTenant.create(ims);
        String prefix = "sigterm-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        URI orders = URI.create(oms.url() + "/orders");
        String items = "[{\"sku_id\":\"" + t.skus().get(0) + "\",\"quantity\":1,\"price\":10},{\"sku_id\":\"" + t.skus().get(1)
                + "\",\"quantity\":2,\"price\":10}]";

        ServiceProcess.Exit exit;
        List<Outcome> outcomes;
        long signalledAt;
        try (RequestBurst burst = RequestBurst.start(16, i -> HttpRequest.newBuilder(orders)
                .header("Content-Type", "application/json").header(Tenants.HEADER, t.id().toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"order_id\":\"" + prefix + i + "\",\"seller_id\":\"" + t.seller()
                        + "\",\"hub_id\":\"" + t.hub() + "\",\"items\":" + items + "}"))
                .build())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> burst.succeeded() >= 200);
            signalledAt = System.nanoTime();
            exit = oms.terminate(Duration.ofSeconds(50)); // grace period 60 s − preStop 10 s
            assertTrue(burst.awaitGone(Duration.ofSeconds(10)), "clients still get answers after the exit");
            outcomes = burst.outcomes();
        }
        System.out.printf("OmsShutdownIT: exit %d after %d ms; %s%n", exit.code(), exit.took().toMillis(),
                RequestBurst.describe(outcomes, signalledAt));
        assertTrue(exit.inTime(), "oms-api did not exit within 50 s of SIGTERM");
        assertEquals(143, exit.code(), "exit code after SIGTERM and the shutdown hooks");
        assertTrue(RequestBurst.finishedAcross(outcomes, signalledAt) > 0, "no request in flight at SIGTERM was answered");
        // A request sent a second after the signal (the JVM has long begun its shutdown) is refused: 503 or no connection.
        assertEquals(0, RequestBurst.acceptedAfter(outcomes, signalledAt + 1_000_000_000L), "requests accepted after SIGTERM");

        Set<String> acknowledged = outcomes.stream().filter(o -> o.status() == 201).map(o -> prefix + o.index()).collect(Collectors.toSet());
        var collection = mongo.getDatabase("oms_" + TestStack.RUN_ID).getCollection("orders");
        Set<String> stored = collection.find(Filters.eq("tenant_id", t.id().toString())).map(d -> d.getString("order_id"))
                .into(new HashSet<>());
        assertEquals(acknowledged, stored, "orders in MongoDB = orders answered 201");
        long pendingAtExit = collection.countDocuments(Filters.and(Filters.eq("tenant_id", t.id().toString()),
                Filters.exists("pending_events.0")));

        // Events still pending at the exit are the relay's job once an instance runs again.
        oms.restart();
        try (EventTap tap = new EventTap("order.created." + TestStack.RUN_ID)) {
            List<JsonNode> events = tap.await(e -> t.id().toString().equals(e.path("tenant_id").asText()), acknowledged.size(),
                    Duration.ofSeconds(90));
            Set<String> announced = events.stream().map(e -> e.path("order").path("order_id").asText()).collect(Collectors.toSet());
            System.out.printf("OmsShutdownIT: %d orders acknowledged, %d with events pending at the exit, %d announced%n",
                    acknowledged.size(), pendingAtExit, announced.size());
            assertEquals(acknowledged, announced, "every acknowledged order's order.created reached the topic");
        }
        List<Document> leftPending = collection.find(Filters.and(Filters.eq("tenant_id", t.id().toString()),
                Filters.exists("pending_events.0"))).into(new ArrayList<>());
        assertTrue(leftPending.size() <= pendingAtExit, "pending events only shrink after the restart");
    }
}
