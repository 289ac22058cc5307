package io.ordermesh.ims;

import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.testsupport.RequestBurst;
import io.ordermesh.testsupport.RequestBurst.Outcome;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
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
 * The packaged ims-api gets SIGTERM in the middle of a burst of concurrent allocations: it stops
 * taking requests, lets those in flight finish, and exits well within its grace period. Every
 * allocation answered 201 is in the database, none exists without its 201, and each level equals
 * the initial stock minus exactly the allocations that exist (no half-applied multi-item order).
 */
class ImsShutdownIT {

    private static final long STOCK = 1_000_000;
    private static String jdbcUrl;
    private static ServiceProcess ims;

    @BeforeAll
    static void start() {
        TestStack.ensureUp();
        jdbcUrl = TestStack.postgresDatabase("ims");
        ims = ServiceProcess.start("ims-api", "256m", Map.of("quarkus.datasource.jdbc.url", jdbcUrl));
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.port = ims.port();
    }

    @AfterAll
    static void stop() {
        if (ims != null) {
            ims.close();
        }
    }

    @Test
    void sigtermDuringAllocationBurstFinishesInFlightRequestsAndLeavesNoPartialAllocation() throws Exception {
        String tenant = ImsFixtures.tenant();
        String seller = ImsFixtures.seller(tenant);
        String hub = ImsFixtures.hub(tenant);
        String a = ImsFixtures.sku(tenant, seller);
        String b = ImsFixtures.sku(tenant, seller);
        ImsFixtures.stock(tenant, hub, a, STOCK);
        ImsFixtures.stock(tenant, hub, b, STOCK);
        String prefix = "sigterm-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        URI allocations = URI.create(ims.url() + "/inventory/allocations");

        ServiceProcess.Exit exit;
        List<Outcome> outcomes;
        long signalledAt;
        try (RequestBurst burst = RequestBurst.start(16, i -> HttpRequest.newBuilder(allocations)
                .header("Content-Type", "application/json").header(Tenants.HEADER, tenant)
                .POST(HttpRequest.BodyPublishers.ofString("{\"order_id\":\"" + prefix + i + "\",\"hub_id\":\"" + hub
                        + "\",\"items\":[{\"sku_id\":\"" + a + "\",\"quantity\":1},{\"sku_id\":\"" + b + "\",\"quantity\":2}]}"))
                .build())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> burst.succeeded() >= 300);
            signalledAt = System.nanoTime();
            exit = ims.terminate(Duration.ofSeconds(50)); // grace period 60 s − preStop 10 s
            assertTrue(burst.awaitGone(Duration.ofSeconds(10)), "clients still get answers after the exit");
            outcomes = burst.outcomes();
        }
        System.out.printf("ImsShutdownIT: exit %d after %d ms; %s%n", exit.code(), exit.took().toMillis(), RequestBurst.describe(outcomes, signalledAt));
        assertTrue(exit.inTime(), "ims-api did not exit within 50 s of SIGTERM");
        assertEquals(143, exit.code(), "exit code after SIGTERM and the shutdown hooks");
        assertTrue(RequestBurst.finishedAcross(outcomes, signalledAt) > 0, "no request in flight at SIGTERM was answered: " + RequestBurst.describe(outcomes, signalledAt));
        // A request sent a second after the signal (the JVM has long begun its shutdown) is refused: 503 or no connection.
        assertEquals(0, RequestBurst.acceptedAfter(outcomes, signalledAt + 1_000_000_000L), "requests accepted after SIGTERM");

        Set<String> acknowledged = outcomes.stream().filter(o -> o.status() == 201).map(o -> prefix + o.index()).collect(Collectors.toSet());
        Set<String> allocated = new HashSet<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement("SELECT order_id FROM allocations WHERE tenant_id = ?::uuid AND status = 'allocated'")) {
            s.setString(1, tenant);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    allocated.add(rs.getString(1));
                }
            }
        }
        Set<String> unanswered = new HashSet<>(allocated);
        unanswered.removeAll(acknowledged);
        Set<String> lost = new HashSet<>(acknowledged);
        lost.removeAll(allocated);
        assertEquals(Set.of(), lost, "answered 201 but not in the database");
        assertEquals(Set.of(), unanswered, "in the database without a 201 answer: "
                + outcomes.stream().filter(o -> unanswered.contains(prefix + o.index())).toList());

        ims.restart();
        RestAssured.port = ims.port();
        int n = acknowledged.size();
        assertEquals(STOCK - n, ImsFixtures.level(tenant, hub, a));
        assertEquals(STOCK - 2L * n, ImsFixtures.level(tenant, hub, b));
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement("SELECT sku_id::text, count(*), sum(delta) FROM inventory_transactions WHERE tenant_id = ?::uuid GROUP BY sku_id")) {
            s.setString(1, tenant);
            Map<String, long[]> audit = new java.util.HashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    audit.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
                }
            }
            assertEquals(n + 1, audit.get(a)[0], "one audit row per allocation plus the initial stock");
            assertEquals(STOCK - n, audit.get(a)[1]);
            assertEquals(n + 1, audit.get(b)[0]);
            assertEquals(STOCK - 2L * n, audit.get(b)[1]);
        }
    }
}
