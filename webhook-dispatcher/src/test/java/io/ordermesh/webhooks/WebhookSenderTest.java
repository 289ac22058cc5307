package io.ordermesh.webhooks;

import com.sun.net.httpserver.HttpServer;
import io.ordermesh.testsupport.LocalStackResource;
import io.ordermesh.webhooks.client.WebhookSender;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sender against real HTTP servers on 127.0.0.1: it connects to the address the SSRF guard
 * checked, not to whatever DNS answers when it connects, and it reads no more of an answer than the
 * excerpt it keeps.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class WebhookSenderTest {

    @Inject
    WebhookSender sender;

    @Test
    void theConnectionGoesToTheCheckedAddressWhileTheHostHeaderKeepsTheUrlsHost() throws Exception {
        AtomicReference<String> host = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            host.set(exchange.getRequestHeaders().getFirst("Host"));
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            int port = server.getAddress().getPort();
            // ".invalid" never resolves (RFC 6761): only the pinned address can reach the server.
            WebhookSender.Result result = sender.post("http://rebind.invalid:" + port + "/hook", InetAddress.getByName("127.0.0.1"),
                    Map.of("webhook-id", "msg_pin"), "{}").await().atMost(Duration.ofSeconds(20));
            assertNull(result.error());
            assertEquals(204, result.statusCode());
            assertEquals("rebind.invalid:" + port, host.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void onlyTheKeptExcerptOfAnEndlessAnswerIsReadAndTheResultIsNotHeldUp() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 0); // chunked, no length: the body goes on until the server stops
            try (OutputStream out = exchange.getResponseBody()) {
                byte[] chunk = "x".repeat(16 * 1024).getBytes();
                long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                while (System.nanoTime() < until) {
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (Exception clientClosed) {
                // expected: the sender closes the connection once it has its excerpt
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        try {
            long start = System.nanoTime();
            WebhookSender.Result result = sender.post("http://127.0.0.1:" + server.getAddress().getPort() + "/hook", null,
                    Map.of("webhook-id", "msg_endless"), "{}").await().atMost(Duration.ofSeconds(20));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, result.statusCode());
            assertNull(result.error());
            assertEquals(1024, result.responseExcerpt().length());
            // Reading the whole answer would last the server's 8 s (or the 10 s %test deadline).
            assertTrue(millis < 4_000, "the result took " + millis + " ms; the body was read past the excerpt");
        } finally {
            server.stop(0);
        }
    }
}
