package io.ordermesh.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The embedded local stack: real Kafka (KRaft), PostgreSQL, Redis, S3 (S3Proxy), SQS (ElasticMQ)
 * and a MongoDB-compatible server on 127.0.0.1, each as its own process, data under one home.
 *
 * <pre>
 * java -jar local-stack.jar up     [--home DIR] [name...]   start what is not running, provision, wait until ready
 * java -jar local-stack.jar down   [--home DIR] [name...]   stop what this home started (default: everything)
 * java -jar local-stack.jar status [--home DIR]
 * java -jar local-stack.jar run    [--home DIR] component   run one JVM server in the foreground (used by up)
 * </pre>
 * Names are infrastructure components (postgres, redis, mongo, s3, sqs, kafka), services
 * (ims-api, oms-api, csv-processor, order-finalizer, webhook-dispatcher), {@code infra} or
 * {@code all}. {@code up} without names starts the infrastructure only (what tests need).
 * {@code up} prints a line {@code started: a,b} naming what it started, so a caller that reuses a
 * running stack knows what it must stop again.
 */
public final class LocalStack {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private LocalStack() {
    }

    public static void main(String[] args) throws Exception {
        // Two logback.xml are on the class path (ours first, ElasticMQ's); Logback reports that at start.
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        List<String> rest = new ArrayList<>(List.of(args));
        Path home = Path.of(".local");
        int i = rest.indexOf("--home");
        if (i >= 0 && i + 1 < rest.size()) {
            home = Path.of(rest.get(i + 1));
            rest.remove(i + 1);
            rest.remove(i);
        }
        StackHome stack = new StackHome(home);
        String command = rest.isEmpty() ? "status" : rest.remove(0);
        try {
            switch (command) {
                case "up" -> {
                    Selection sel = Selection.parse(rest, false);
                    up(stack, sel.components());
                    Services.up(stack, sel.services());
                }
                case "down" -> {
                    Selection sel = Selection.parse(rest, true);
                    Services.down(stack, sel.services());
                    down(stack, sel.components());
                }
                case "status" -> {
                    boolean infra = status(stack);
                    boolean services = Services.status(stack);
                    System.exit(infra && services ? 0 : 3);
                }
                case "run" -> run(stack, Component.parse(rest).get(0));
                default -> {
                    System.err.println("usage: local-stack up|down|status|run [--home DIR] [component...]");
                    System.exit(2);
                }
            }
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("local-stack: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void up(StackHome home, List<Component> components) throws Exception {
        if (components.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        List<Component> started = new ArrayList<>();
        try {
            for (Component c : components) {
                if (c.listening()) {
                    continue;
                }
                if (home.process(c.id()).isPresent()) {
                    // Started earlier and still starting up: wait for it below instead of starting twice.
                    continue;
                }
                start(home, c);
                started.add(c);
            }
            for (Component c : components) {
                awaitReady(home, c, t0);
            }
            Provisioner.provision(components);
        } catch (Exception e) {
            // A half-started stack helps nobody and holds the ports of the next try: stop what we started.
            try {
                down(home, started);
            } catch (Exception stopping) {
                e.addSuppressed(stopping);
            }
            throw e;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("started: " + started.stream().map(Component::id).collect(Collectors.joining(",")));
        System.out.printf("local stack ready in %.1f s (%s)%n", ms / 1000.0,
                started.isEmpty() ? "all already running" : "started " + started.size() + " of " + components.size());
    }

    private static void start(StackHome home, Component c) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (c.jvm) {
            String java = ProcessHandle.current().info().command().orElse("java");
            cmd.addAll(List.of(java, "-Xms64m", "-Xmx" + c.maxHeap));
            if (c.optimised) {
                // Netty checks every buffer access for a released buffer and bounds; the MongoDB-compatible
                // server writes each stored document through such buffers, field by field, at every commit.
                cmd.addAll(List.of("-XX:+UseParallelGC", "-Dio.netty.buffer.checkAccessible=false", "-Dio.netty.buffer.checkBounds=false"));
            } else {
                cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            }
            cmd.addAll(List.of("-Xss512k", "-Djava.net.preferIPv4Stack=true", "-cp", System.getProperty("java.class.path"),
                    LocalStack.class.getName(), "run", "--home", home.root().toString(), c.id()));
        } else {
            cmd.addAll(NativeServers.command(c, home));
        }
        Process p = spawn(cmd, home.log(c));
        home.writePid(c.id(), p.pid());
    }

    private static void awaitReady(StackHome home, Component c, long t0) throws InterruptedException, IOException {
        long deadline = t0 + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (c.listening() && ready(c)) {
                return;
            }
            if (home.process(c.id()).isEmpty() && !c.listening()) {
                throw new IOException(c.id() + " exited during start-up, see " + home.log(c));
            }
            Thread.sleep(100);
        }
        throw new IOException(c.id() + " not ready after " + READY_TIMEOUT.toSeconds() + " s, see " + home.log(c));
    }

    /** A protocol-level check beyond the open port, where the port opens before the server serves. */
    private static boolean ready(Component c) {
        try {
            return switch (c) {
                case KAFKA -> {
                    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Component.HOST + ":" + c.port,
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                        yield !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
                    }
                }
                case SQS -> http("http://127.0.0.1:" + c.port + "/?Action=ListQueues") == 200;
                case S3 -> http("http://127.0.0.1:" + c.port + "/") > 0;
                case POSTGRES -> {
                    try (var conn = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + c.port + "/postgres", "postgres", "")) {
                        yield conn.isValid(2);
                    }
                }
                default -> true;
            };
        } catch (Exception e) {
            return false;
        }
    }

    private static int http(String url) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void down(StackHome home, List<Component> components) throws InterruptedException, IOException {
        List<Component> reversed = new ArrayList<>(components);
        java.util.Collections.reverse(reversed);
        for (Component c : reversed) {
            Optional<ProcessHandle> p = home.process(c.id());
            if (p.isEmpty()) {
                home.clearPid(c.id());
                continue;
            }
            stop(c, p.get());
            home.clearPid(c.id());
            System.out.println("stopped " + c.id());
        }
    }

    private static void stop(Component c, ProcessHandle p) throws InterruptedException, IOException {
        // PostgreSQL: SIGINT is the "fast" shutdown (SIGTERM waits for every client to leave).
        if (c == Component.POSTGRES) {
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        } else {
            p.destroy();
        }
        awaitExit(c.id(), p);
    }

    /** Waits for a process told to stop; one that ignores it for {@link #STOP_TIMEOUT} is killed. */
    static void awaitExit(String name, ProcessHandle p) throws InterruptedException {
        CountDownLatch gone = new CountDownLatch(1);
        p.onExit().thenRun(gone::countDown);
        if (!gone.await(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            System.err.println(name + " did not stop in " + STOP_TIMEOUT.toSeconds() + " s, killing it");
            p.destroyForcibly();
            p.onExit().join();
        }
    }

    /** Starts a detached process (own session, stdin from /dev/null, output appended to its log). */
    static Process spawn(List<String> command, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            // Own session: the process outlives the terminal and the build that started it.
            cmd.add("/usr/bin/setsid");
        }
        cmd.addAll(command);
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    private static boolean status(StackHome home) {
        boolean all = true;
        for (Component c : Component.values()) {
            Optional<ProcessHandle> p = home.process(c.id());
            boolean up = c.listening();
            all &= up;
            System.out.printf("%-9s %-5s 127.0.0.1:%-5d %s%n", c.id(), up ? "up" : "down", c.port,
                    p.map(h -> "pid " + h.pid()).orElse(up ? "(not started from " + home.root() + ")" : ""));
        }
        return all;
    }

    private static void run(StackHome home, Component c) throws Exception {
        JvmServers.start(c, home);
        System.out.println(c.id() + " listening on 127.0.0.1:" + c.port);
        Thread.currentThread().join();
    }
}
