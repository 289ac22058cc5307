package io.ordermesh.webhooks.client;

import io.ordermesh.webhooks.config.DispatcherConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The non-blocking HTTP client that posts webhooks (Vert.x core HTTP client): no redirects followed,
 * a whole-request deadline, keep-alive pools per endpoint. It only moves bytes; what an answer means
 * is decided by the dispatcher.
 * <p>
 * Two things it guarantees for the SSRF guard: the connection goes to the address the guard checked
 * (the caller passes it, so a second DNS answer can never redirect the request: no DNS rebinding),
 * while the {@code Host} header and TLS name stay the URL's host; and of the answer's body only the
 * excerpt that is kept is read, after which the connection is closed rather than drained.
 */
@Singleton
public class WebhookSender {

    /** What one POST came to: a status (0 when none) or an error, the time it took, the start of the answer. */
    public record Result(int statusCode, String retryAfter, String responseExcerpt, String error, long latencyMillis) {
        public boolean success() {
            return statusCode >= 200 && statusCode < 300;
        }
    }

    private final HttpClient client;
    private final long timeoutMillis;
    private final int excerptBytes;

    WebhookSender(Vertx vertx, DispatcherConfig config) {
        this.timeoutMillis = config.requestTimeout().toMillis();
        this.excerptBytes = Math.max(0, config.responseExcerptBytes());
        this.client = outsideAnyVertxContext(() -> vertx.getDelegate().createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()))
                        .setKeepAlive(true)
                        .setVerifyHost(true)
                        .setTryUseCompression(false),
                // The dispatcher bounds attempts per endpoint itself; the pool must not be the tighter bound.
                new PoolOptions().setHttp1MaxSize(Math.max(1, config.maxInFlightPerEndpoint())).setMaxWaitQueueSize(-1)));
    }

    /**
     * Vert.x closes a client together with the context it was created on. This bean is often first
     * built while serving the first readiness probe, on the HTTP server's context: the client would
     * then be closed with the HTTP server at shutdown, under attempts the drain is still waiting
     * for. Created on a thread of its own, it has no context and lives until {@link #close()}.
     */
    private static HttpClient outsideAnyVertxContext(Supplier<HttpClient> create) {
        if (io.vertx.core.Vertx.currentContext() == null) {
            return create.get();
        }
        FutureTask<HttpClient> task = new FutureTask<>(create::get);
        new Thread(task, "webhook-client-init").start();
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the webhook HTTP client", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("webhook HTTP client not created", e.getCause());
        }
    }

    /**
     * Posts {@code body} to {@code url}, connecting to {@code address} (the one the SSRF guard
     * checked for the URL's host); {@code address} null resolves the host here (tests, benchmarks).
     */
    public Uni<Result> post(String url, InetAddress address, Map<String, String> headers, String body) {
        long start = System.nanoTime();
        RequestOptions options;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host");
            }
            int port = uri.getPort() > 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
            options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setIdleTimeout(timeoutMillis)
                    .setFollowRedirects(false)
                    .putHeader("content-type", "application/json").putHeader("user-agent", "Ordermesh-Webhooks/1.0");
            if (address != null) {
                options.setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()));
            }
        } catch (Exception e) {
            return Uni.createFrom().item(new Result(0, null, null, "invalid URL: " + e.getMessage(), 0));
        }
        headers.forEach(options::putHeader);
        Future<Result> exchange = client.request(options)
                .compose(request -> request.send(Buffer.buffer(body)))
                .compose(response -> read(response, start));
        return Uni.createFrom().completionStage(exchange.toCompletionStage())
                // The idle timeout above is per read; this is the deadline for the whole exchange.
                .ifNoItem().after(Duration.ofMillis(timeoutMillis)).failWith(() -> new TimeoutException("no answer within " + timeoutMillis + " ms"))
                .onFailure().recoverWithItem(e -> new Result(0, null, null, describe(e), millisSince(start)));
    }

    /** Keeps the first {@code excerptBytes} of the body; once they are in, stops reading and closes the connection. */
    private Future<Result> read(HttpClientResponse response, long start) {
        Promise<Result> done = Promise.promise();
        Buffer kept = Buffer.buffer();
        Runnable complete = () -> done.tryComplete(new Result(response.statusCode(), response.getHeader("retry-after"),
                kept.length() == 0 ? null : kept.toString(StandardCharsets.UTF_8), null, millisSince(start)));
        try {
            response.handler(chunk -> {
                if (done.future().isComplete()) {
                    return;
                }
                int room = excerptBytes - kept.length();
                if (room > 0) {
                    kept.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
                }
                if (chunk.length() >= room) {
                    complete.run();
                    // The rest is not wanted: an HTTP/1.1 reset closes the connection instead of reading on.
                    response.request().reset();
                }
            });
            response.endHandler(v -> complete.run());
            response.exceptionHandler(e -> complete.run()); // status and headers are in; a cut-off body changes nothing
        } catch (IllegalStateException alreadyEnded) {
            // Vert.x had read the whole answer (a short one) before the handlers came and refuses them
            // (an IllegalStateException without a message): the endpoint did answer, with this status;
            // only the excerpt is gone. Recorded as a failure, it was sent again (about 1 in 2,000 here).
            complete.run();
        }
        return done.future();
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
