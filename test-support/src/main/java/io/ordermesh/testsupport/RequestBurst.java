package io.ordermesh.testsupport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Concurrent clients sending request after request (request {@code i} built by the caller) and
 * recording when each was sent and how it ended, until the server refuses connections or
 * {@link #stop()}: the load for shutdown tests, where what matters is which requests were answered
 * 2xx and whether any was cut off in flight.
 */
public final class RequestBurst implements AutoCloseable {

    /** One request: its index, status (-1 when no answer), send and answer times ({@link System#nanoTime()}), failure if any. */
    public record Outcome(int index, int status, long sentAt, long endedAt, String failure) {
        public boolean succeeded() {
            return status >= 200 && status < 300;
        }

        /** Connection refused: the request never reached a server, so it cannot have had any effect. */
        public boolean refused() {
            return failure != null && failure.startsWith(ConnectException.class.getName());
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> clients = new ArrayList<>();

    private RequestBurst(int clients, IntFunction<HttpRequest> request) {
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> run(request), "burst-" + c);
            t.setDaemon(true);
            this.clients.add(t);
        }
        this.clients.forEach(Thread::start);
    }

    public static RequestBurst start(int clients, IntFunction<HttpRequest> request) {
        return new RequestBurst(clients, request);
    }

    private void run(IntFunction<HttpRequest> request) {
        while (!stopped.get()) {
            int i = next.getAndIncrement();
            HttpRequest r = request.apply(i);
            long sent = System.nanoTime();
            try {
                HttpResponse<Void> response = http.send(r, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                outcomes.add(new Outcome(i, status, sent, System.nanoTime(), null));
                if (status >= 200 && status < 300) {
                    succeeded.incrementAndGet();
                } else if (status == 503) {
                    // Shutting down: wait as told, like a well-behaved client, instead of spinning while it drains.
                    pause(1000L * Long.parseLong(response.headers().firstValue("Retry-After").orElse("1")));
                }
            } catch (IOException e) {
                Outcome o = new Outcome(i, -1, sent, System.nanoTime(), e.getClass().getName() + ": " + e.getMessage());
                outcomes.add(o);
                if (o.refused()) {
                    return; // the server is gone
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests answered 2xx so far. */
    public int succeeded() {
        return succeeded.get();
    }

    /** Waits until every client has stopped by itself (server gone) or {@code within} passed; true if all stopped. */
    public boolean awaitGone(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        for (Thread t : clients) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            t.join(left);
        }
        return clients.stream().noneMatch(Thread::isAlive);
    }

    public void stop() {
        stopped.set(true);
    }

    /** Every request sent so far with its outcome. */
    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** "N requests {201=…, 503=…, refused=…}, M in flight at T": for the test's log. */
    public static String describe(List<Outcome> outcomes, long at) {
        var byKind = outcomes.stream().collect(java.util.stream.Collectors.groupingBy(
                o -> o.status() > 0 ? String.valueOf(o.status()) : o.refused() ? "refused" : "failed",
                java.util.TreeMap::new, java.util.stream.Collectors.counting()));
        long inFlight = outcomes.stream().filter(o -> o.sentAt() < at && o.endedAt() > at).count();
        return outcomes.size() + " requests " + byKind + ", " + inFlight + " in flight at SIGTERM";
    }

    /** Requests sent before {@code at} and answered 2xx after it: work in flight at that moment that was finished. */
    public static long finishedAcross(List<Outcome> outcomes, long at) {
        return outcomes.stream().filter(o -> o.succeeded() && o.sentAt() < at && o.endedAt() > at).count();
    }

    /** Requests sent after {@code at} and answered 2xx: work taken on after that moment. */
    public static long acceptedAfter(List<Outcome> outcomes, long at) {
        return outcomes.stream().filter(o -> o.succeeded() && o.sentAt() > at).count();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        for (Thread t : clients) {
            t.join(5000);
        }
    }
}
