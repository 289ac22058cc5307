package io.ordermesh.webhooks.client;

import com.sun.net.httpserver.HttpServer;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.webhooks.config.DispatcherConfig;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.AbstractVerticle;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The sender's HTTP client lives as long as the sender, whichever thread first built it: the first
 * readiness probe often builds it on the HTTP server's context, and that context is closed at
 * shutdown while the drain still waits for attempts in flight.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class WebhookSenderLifetimeTest {

    @Inject
    Vertx vertx;

    @Inject
    DispatcherConfig config;

    @Test
    void aSenderBuiltOnAContextThatIsClosedLaterStillSends() throws Exception {
        AtomicReference<WebhookSender> built = new AtomicReference<>();
        String deployment = vertx.getDelegate().deployVerticle(new AbstractVerticle() {
            @Override
            public void start() {
                built.set(new WebhookSender(WebhookSenderLifetimeTest.this.vertx, config));
            }
        }).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        // Undeploying closes everything tied to the verticle's context, as the HTTP server's close does.
        vertx.getDelegate().undeploy(deployment).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            WebhookSender.Result result = built.get().post("http://127.0.0.1:" + server.getAddress().getPort() + "/hook",
                    InetAddress.getByName("127.0.0.1"), Map.of("webhook-id", "msg_lifetime"), "{}").await().atMost(Duration.ofSeconds(20));
            assertNull(result.error(), "the client was closed with the context it was built on");
            assertEquals(204, result.statusCode());
        } finally {
            built.get().close();
            server.stop(0);
        }
    }
}
