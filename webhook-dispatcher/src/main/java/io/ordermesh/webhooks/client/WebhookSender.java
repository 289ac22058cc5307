package io.ordermesh.webhooks.client;

import io.ordermesh.webhooks.config.DispatcherConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The non-blocking HTTP client that posts webhooks (Vert.x WebClient): no redirects followed, a
 * whole-request deadline, keep-alive pools per host:port. It only moves bytes; what an answer
 * means is decided by the dispatcher.
 */
@Singleton
public class WebhookSender {

    /** What one POST came to: a status (0 when none) or an error, the time it took, the start of the answer. */
    public record Result(int statusCode, String retryAfter, String responseExcerpt, String error, long latencyMillis) {
        public boolean success() {
            return statusCode >= 200 && statusCode < 300;
        }
    }

    private final WebClient client;
    private final long timeoutMillis;
    private final int excerptBytes;

    WebhookSender(Vertx vertx, DispatcherConfig config) {
        this.timeoutMillis = config.requestTimeout().toMillis();
        this.excerptBytes = config.responseExcerptBytes();
        this.client = WebClient.create(vertx, new WebClientOptions()
                .setFollowRedirects(false)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                .setKeepAlive(true)
                // The dispatcher bounds attempts per endpoint itself; the pool must not be the tighter bound.
                .setMaxPoolSize(Math.max(1, config.maxInFlightPerEndpoint()))
                .setMaxWaitQueueSize(-1)
                .setUserAgent("Ordermesh-Webhooks/1.0")
                .setTryUseCompression(false));
    }

    public Uni<Result> post(String url, Map<String, String> headers, String body) {
        long start = System.nanoTime();
        HttpRequest<Buffer> request;
        try {
            request = client.postAbs(url).timeout(timeoutMillis);
        } catch (RuntimeException e) {
            return Uni.createFrom().item(new Result(0, null, null, "invalid URL: " + e.getMessage(), 0));
        }
        request.putHeader("content-type", "application/json");
        headers.forEach(request::putHeader);
        return request.sendBuffer(Buffer.buffer(body))
                // timeout() above is an idle timeout; this is the deadline for the whole exchange.
                .ifNoItem().after(Duration.ofMillis(timeoutMillis)).failWith(() -> new TimeoutException("no answer within " + timeoutMillis + " ms"))
                .map(response -> new Result(response.statusCode(), response.getHeader("retry-after"), excerpt(response.body()), null,
                        millisSince(start)))
                .onFailure().recoverWithItem(e -> new Result(0, null, null, describe(e), millisSince(start)));
    }

    private String excerpt(Buffer body) {
        if (body == null || body.length() == 0) {
            return null;
        }
        byte[] bytes = body.getBytes(0, Math.min(body.length(), excerptBytes));
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String describe(Throwable e) {
        String name = e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    @PreDestroy
    void close() {
        client.close();
    }
}
