package io.ordermesh.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The local stack as tests see it: started once per JVM if it is not already up (a developer's
 * {@code ./ordermesh up} is reused as it is), stopped again when the JVM exits, but only the parts
 * this JVM started. Each JVM gets a {@link #RUN_ID} that names its own databases, topics and
 * queues, so test runs never see each other's data nor a running suite's.
 */
public final class TestStack {

    /** Short, lowercase, safe in database, topic and queue names. */
    public static final String RUN_ID = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

    private static final int[] PORTS = {5432, 6379, 27017, 9000, 9324, 9092};
    private static boolean started;
    /** The home of the stack this JVM started (null when it reused one that was already up). */
    private static Path ownHome;
    private static List<String> ownComponents = List.of();

    private TestStack() {
    }

    public static synchronized void ensureUp() {
        if (started) {
            return;
        }
        started = true;
        // One hook, in order: drop this run's data (a reused stack, a developer's or the next
        // module's, does not keep every run's data), then stop what this JVM started.
        Runtime.getRuntime().addShutdownHook(new Thread(TestStack::atExit, "local-stack-cleanup"));
        if (allListening()) {
            return;
        }
        Path root = repositoryRoot();
        Path jar = root.resolve("deploy/local-stack/target/local-stack.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw -pl deploy/local-stack package");
        }
        Path home = root.resolve("target/local-stack-test");
        List<String> out = launcher(jar, home, "up");
        String startedLine = out.stream().filter(l -> l.startsWith("started:")).findFirst().orElse("started:");
        String components = startedLine.substring("started:".length()).trim();
        ownHome = home;
        ownComponents = components.isEmpty() ? List.of() : List.of(components.split(","));
    }

    /**
     * The home of a stack whose {@code component} this JVM may stop and start (a broker outage in a
     * test): the one it started itself, or one named with {@code -Dordermesh.stack-home}. Empty when
     * the test reuses a stack it does not own, such as a developer's running suite.
     */
    public static synchronized java.util.Optional<Path> controllable(String component) {
        ensureUp();
        String named = System.getProperty("ordermesh.stack-home");
        if (named != null) {
            return java.util.Optional.of(Path.of(named));
        }
        return ownComponents.contains(component) ? java.util.Optional.of(ownHome) : java.util.Optional.empty();
    }

    /** Stops ({@code down}) or starts ({@code up}) one component of a {@link #controllable} stack. */
    public static void control(String action, String component) {
        Path home = controllable(component).orElseThrow(() -> new IllegalStateException(
                component + " belongs to a stack this test did not start; see TestStack.controllable"));
        launcher(repositoryRoot().resolve("deploy/local-stack/target/local-stack.jar"), home, action, component);
    }

    private static void atExit() {
        dropRunData();
        if (!ownComponents.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("down"));
            args.addAll(ownComponents);
            launcher(repositoryRoot().resolve("deploy/local-stack/target/local-stack.jar"), ownHome, args.toArray(String[]::new));
        }
    }

    /** Drops the MongoDB and PostgreSQL databases this run created (their names end with {@link #RUN_ID}). */
    static void dropRunData() {
        try (var mongo = com.mongodb.client.MongoClients.create("mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=3000")) {
            for (String db : mongo.listDatabaseNames()) {
                if (db.endsWith(RUN_ID)) {
                    mongo.getDatabase(db).drop();
                }
            }
        } catch (RuntimeException e) {
            System.err.println("[test-support] could not drop this run's MongoDB databases: " + e.getMessage());
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE '%\\_" + RUN_ID + "'");
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            for (String name : names) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            System.err.println("[test-support] could not drop this run's PostgreSQL databases: " + e.getMessage());
        }
    }

    /** Creates (once) a PostgreSQL database of this run and answers its JDBC URL. */
    public static String postgresDatabase(String prefix) {
        String name = prefix + "_" + RUN_ID;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return "jdbc:postgresql://127.0.0.1:5432/" + name;
    }

    /**
     * Creates (once) this run's SQS queue {@code <prefix>-<run>} with its dead-letter queue
     * {@code <prefix>-<run>-dlq} (redrive after {@code maxReceives}) and answers the queue name.
     */
    public static String sqsQueue(String prefix, int maxReceives) {
        String name = prefix + "-" + RUN_ID;
        String dlq = name + "-dlq";
        sqsAction("Action=CreateQueue&QueueName=" + dlq);
        String redrive = java.net.URLEncoder.encode("{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:" + dlq
                + "\",\"maxReceiveCount\":\"" + maxReceives + "\"}", java.nio.charset.StandardCharsets.UTF_8);
        sqsAction("Action=CreateQueue&QueueName=" + name
                + "&Attribute.1.Name=RedrivePolicy&Attribute.1.Value=" + redrive
                + "&Attribute.2.Name=VisibilityTimeout&Attribute.2.Value=30");
        return name;
    }

    private static void sqsAction(String query) {
        try {
            var client = java.net.http.HttpClient.newHttpClient();
            var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:9324/?" + query)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("SQS " + query + " answered " + response.statusCode() + ": " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean allListening() {
        for (int port : PORTS) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 300);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** The checkout: Maven passes it in; an IDE run finds it by walking up. */
    public static Path repositoryRoot() {
        String prop = System.getProperty("ordermesh.root");
        Path start = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/local-stack"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the Ordermesh checkout above " + start);
    }

    private static List<String> launcher(Path jar, Path home, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                jar.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--home", home.toString()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            List<String> lines = new ArrayList<>();
            try (var reader = p.inputReader()) {
                reader.lines().forEach(l -> {
                    lines.add(l);
                    System.out.println("[local-stack] " + l);
                });
            }
            if (!p.waitFor(3, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("local stack '" + String.join(" ", args) + "' failed: " + lines);
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
