package io.ordermesh.webhooks;

import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.testsupport.TestStack;
import io.ordermesh.webhooks.support.Fixtures;
import io.ordermesh.webhooks.support.Receiver;
import io.ordermesh.webhooks.support.Receiver.Answer;
import io.ordermesh.webhooks.support.StandardWebhooks;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Promise 4 across a crash: the packaged dispatcher is killed with SIGKILL while deliveries are
 * pending and in flight, then started again → every event is delivered, and only attempts that
 * were in flight at the kill arrive twice (at-least-once, counted by webhook-id).
 */
class DispatcherCrashIT {

    static final int EVENTS = 300;
    static Process app;

    static Process start(String name) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Path.of("target/" + name + ".log");
        Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-Dquarkus.profile=test", "-Dquarkus.http.port=" + port, "-Dordermesh.test.run-id=" + TestStack.RUN_ID,
                "-jar", "target/quarkus-app/quarkus-run.jar"))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(120);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("webhook-dispatcher did not become ready; see " + log.toAbsolutePath());
            }
            Thread.sleep(300);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null && app.isAlive()) {
            app.destroy();
            app.waitFor();
        }
    }

    @Test
    void killedWithDeliveriesPendingEverythingIsDeliveredAfterRestartAndOnlyInFlightAttemptsRepeat() throws Exception {
        TestStack.ensureUp();
        AtomicInteger seen = new AtomicInteger();
        UUID tenant = UUID.randomUUID();
        // Every 7th first try fails, so some deliveries are waiting for a retry at the kill, too.
        try (Fixtures fx = new Fixtures(TestStack.RUN_ID);
             Receiver r = Receiver.start(n -> n % 7 == 0 ? Answer.status(503) : new Answer(200, java.util.Map.of(), 40, "ok"))) {
            String sub = fx.subscribe(tenant, r.url(), StandardWebhooks.newSecret(), List.of(OrderEvent.CREATED));
            app = start("crash-it-first");
            for (int i = 0; i < EVENTS; i++) {
                fx.publishAsync(fx.created(tenant, "ord-crash-" + i));
            }
            fx.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> r.distinctIds() >= EVENTS / 5);
            app.destroyForcibly().waitFor(); // SIGKILL: no shutdown hooks, no offset commit, attempts cut off
            int atKill = r.distinctIds();
            System.out.printf("DispatcherCrashIT: killed after %d of %d deliveries%n", atKill, EVENTS);
            assertTrue(atKill < EVENTS, "the kill came too late to prove anything");

            app = start("crash-it-second");
            await().atMost(Duration.ofSeconds(180)).until(() -> r.distinctIds() == EVENTS);
            await().atMost(Duration.ofSeconds(60)).until(() -> fx.deliveriesOf(sub).stream()
                    .allMatch(d -> "succeeded".equals(d.getString("status"))));
            List<Document> deliveries = fx.deliveriesOf(sub);
            assertEquals(EVENTS, deliveries.size(), "one delivery per event, even for records consumed twice");
            long twice = r.perId().values().stream().filter(c -> c.get() > 1).count();
            // 503s are retried, so those ids legitimately arrive more than once; count only the 2xx arrivals.
            long duplicatesBeyondRetries = deliveries.stream().filter(d -> d.getList("attempts", Document.class).stream()
                    .filter(a -> Integer.valueOf(200).equals(a.getInteger("status_code"))).count() > 1).count();
            System.out.printf("DispatcherCrashIT: %d ids arrived more than once (503 retries included), %d recorded as delivered twice%n",
                    twice, duplicatesBeyondRetries);
            // At most the attempts that were in flight at the kill (max-in-flight-per-endpoint in %test) repeat.
            int succeededArrivals = (int) r.requests().stream().filter(q -> q.id() != null).count();
            long extra = succeededArrivals - EVENTS - deliveries.stream().mapToLong(d -> d.getList("attempts", Document.class).stream()
                    .filter(a -> Integer.valueOf(503).equals(a.getInteger("status_code"))).count()).sum();
            assertTrue(extra <= 8, "at most the 8 attempts in flight at the kill are repeated, got " + extra);
        }
    }
}
