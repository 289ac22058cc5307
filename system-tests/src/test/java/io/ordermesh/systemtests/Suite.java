package io.ordermesh.systemtests;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The five packaged services wired together as operators run them ({@code quarkus.profile=prod,local},
 * like {@code ./ordermesh up}), each a separate JVM on a free port, on the local stack, with this
 * run's own MongoDB database, PostgreSQL database, Kafka topics, consumer groups and SQS queue. One
 * suite per test JVM, shared by the scenarios; every process it started is stopped when the JVM
 * exits, also after a failed scenario. Workers can be killed ({@code kill -9}), restarted, doubled.
 */
public final class Suite {

    public static final String IMS = "ims-api";
    public static final String OMS = "oms-api";
    public static final String CSV = "csv-processor";
    public static final String FINALIZER = "order-finalizer";
    public static final String DISPATCHER = "webhook-dispatcher";
    public static final List<String> WORKERS = List.of(CSV, FINALIZER, DISPATCHER);

    private static final String HEAP = "256m";
    /** For what the scenarios do in parallel (starts, faults, clients): a thread each, whatever the core count. */
    public static final java.util.concurrent.ExecutorService BACKGROUND = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "system-tests-background");
        t.setDaemon(true);
        return t;
    });
    private static Suite instance;
    private static RuntimeException failedStart;

    public final String run = TestStack.RUN_ID;
    public final String database = "oms_" + run;
    public final String topicCreated = "order.created." + run;
    public final String topicUpdated = "order.updated." + run;
    public final String topicCreatedDlq = "order.created.dlq." + run;
    public final String queue;
    public final String imsJdbcUrl;
    public final Receiver receiver;
    private final Map<String, List<ServiceProcess>> processes = new LinkedHashMap<>();
    private final MongoClient mongo;

    private Suite() {
        TestStack.ensureUp();
        createTopics();
        queue = TestStack.sqsQueue("ordermesh-bulk-orders", 5);
        imsJdbcUrl = TestStack.postgresDatabase("ims");
        receiver = Receiver.start();
        // The shared embedded server can stall for a minute under load: wait for it rather than fail the check.
        mongo = MongoClients.create("mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=180000&connectTimeoutMS=60000");
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "system-tests-stop"));
        long t0 = System.nanoTime();
        start(IMS);
        // The others only need ims-api; starting them together halves the wait on two cores.
        List<CompletableFuture<ServiceProcess>> rest = List.of(OMS, CSV, FINALIZER, DISPATCHER).stream()
                .map(m -> CompletableFuture.supplyAsync(() -> start(m), Suite.BACKGROUND)).toList();
        rest.forEach(CompletableFuture::join);
        System.out.printf("[system-tests] run %s: five services ready in %.1f s (ims %s, oms %s)%n", run,
                (System.nanoTime() - t0) / 1e9, url(IMS), url(OMS));
    }

    /** The suite of this JVM, started on first use. */
    public static synchronized Suite get() {
        if (failedStart != null) {
            throw new IllegalStateException("the suite did not start (see the first scenario)", failedStart);
        }
        if (instance == null) {
            try {
                instance = new Suite();
            } catch (RuntimeException e) {
                failedStart = e;
                throw e;
            }
        }
        return instance;
    }

    /** Starts one more instance of {@code module}, waits until it is ready, and answers it. */
    public ServiceProcess start(String module) {
        ServiceProcess p = ServiceProcess.start(module, HEAP, properties(module));
        synchronized (processes) {
            processes.computeIfAbsent(module, k -> new ArrayList<>()).add(p);
        }
        return p;
    }

    public List<ServiceProcess> instances(String module) {
        synchronized (processes) {
            return List.copyOf(processes.getOrDefault(module, List.of()));
        }
    }

    public ServiceProcess first(String module) {
        return instances(module).get(0);
    }

    public String url(String module) {
        return first(module).url();
    }

    public Api ims() {
        return new Api(url(IMS));
    }

    public Api oms() {
        return new Api(url(OMS));
    }

    /** {@code kill -9} of an instance, a pause, and the same command again; answers the seconds it was gone. */
    public double killAndRestart(ServiceProcess p, long downMillis) {
        long t0 = System.nanoTime();
        p.kill();
        sleep(downMillis);
        p.restart();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Stops (SIGTERM) every instance of {@code module} but the first. */
    public void shrinkToOne(String module) {
        List<ServiceProcess> all;
        synchronized (processes) {
            all = processes.get(module);
        }
        while (all.size() > 1) {
            all.remove(all.size() - 1).close();
        }
    }

    /**
     * Stops Kafka and starts it again, if this JVM owns the stack (CI on a fresh clone). On a shared
     * developer stack the broker belongs to others: answers false and the caller logs the skip.
     */
    public boolean restartBroker(long downMillis) {
        if (TestStack.controllable("kafka").isEmpty()) {
            return false;
        }
        TestStack.control("down", "kafka");
        sleep(downMillis);
        TestStack.control("up", "kafka");
        return true;
    }

    public MongoDatabase db() {
        return mongo.getDatabase(database);
    }

    public Connection imsDb() {
        try {
            return DriverManager.getConnection(imsJdbcUrl, "postgres", "");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sum of a Prometheus counter's samples on one instance whose labels contain {@code label} (e.g. {@code outcome="allocated"}). */
    public static double metric(ServiceProcess p, String name, String label) {
        Api.Answer a = new Api(p.url()).get(null, "/q/metrics");
        double sum = 0;
        for (String line : a.body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** Readiness of every instance of every service: each must answer 200. */
    public List<String> notReady() {
        List<String> bad = new ArrayList<>();
        synchronized (processes) {
            processes.forEach((m, ps) -> ps.forEach(p -> {
                int status = p.alive() ? new Api(p.url()).get(null, "/q/health/ready").status() : -1;
                if (status != 200) {
                    bad.add(m + " " + p.url() + " → " + status);
                }
            }));
        }
        return bad;
    }

    /**
     * {@link #notReady()} after waiting up to {@code within} for every instance to answer 200: a
     * readiness check may flap DOWN for a moment while a store is slow (the shared embedded MongoDB).
     */
    public List<String> notReadyAfter(java.time.Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> bad = notReady();
        while (!bad.isEmpty() && System.nanoTime() < deadline) {
            sleep(2_000);
            bad = notReady();
        }
        return bad;
    }

    /** What each service reads: the launcher's profile, plus this run's names instead of the shared ones. */
    Map<String, String> properties(String module) {
        Map<String, String> p = new HashMap<>();
        p.put("quarkus.profile", "prod,local");
        // -Dsystem.service.<module>.<key>=<value> reaches that service as -D<key>=<value>: to try a setting without a rebuild.
        String prefix = "system.service." + module + ".";
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> p.put(k.substring(prefix.length()), System.getProperty(k)));
        if (module.equals(IMS)) {
            p.put("quarkus.datasource.jdbc.url", imsJdbcUrl);
            return p;
        }
        if (!module.equals(DISPATCHER)) {
            p.put("quarkus.rest-client.ims.url", url(IMS));
        }
        p.put("quarkus.mongodb.database", database);
        p.put("ordermesh.topics.order-created", topicCreated);
        p.put("ordermesh.topics.order-updated", topicUpdated);
        p.put("ordermesh.topics.order-created-dlq", topicCreatedDlq);
        switch (module) {
            case OMS -> p.put("ordermesh.bulk.queue", queue);
            case CSV -> {
                p.put("ordermesh.bulk.queue", queue);
                // As CsvProcessorCrashIT: a killed instance's file is taken over after 10 s, not a minute.
                p.put("ordermesh.csv.visibility-timeout", "PT10S");
                p.put("ordermesh.csv.poll-wait", "PT2S");
            }
            case FINALIZER -> p.put("ordermesh.finalizer.consumer.group", "order-finalizer-" + run);
            case DISPATCHER -> {
                p.put("mp.messaging.incoming.order-events.group.id", "webhook-dispatcher-" + run);
                // An attempt cut off by kill -9 is claimable again after 15 s instead of 45 s, and a failed
                // attempt (an endpoint or store hiccup) is retried within minutes, not after 5 min, 30 min, 2 h…
                p.put("ordermesh.webhooks.lease", "15s");
                p.put("ordermesh.webhooks.retry-schedule", "0s,2s,5s,15s,30s,60s,120s,300s");
            }
            default -> throw new IllegalArgumentException(module);
        }
        return p;
    }

    /** Created up front with the stack's partition count, so no consumer ever waits for auto-creation. */
    private void createTopics() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        try (Admin admin = Admin.create(props)) {
            for (String t : List.of(topicCreated, topicUpdated, topicCreatedDlq)) {
                try {
                    admin.createTopics(List.of(new NewTopic(t, 6, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + t, e);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stopAll() {
        List<ServiceProcess> all = new ArrayList<>();
        synchronized (processes) {
            processes.values().forEach(all::addAll);
        }
        // Workers first, ims-api last; in parallel, since each may take its grace period.
        java.util.Collections.reverse(all);
        all.stream().map(p -> CompletableFuture.runAsync(p::close, Suite.BACKGROUND)).toList().forEach(f -> {
            try {
                f.join();
            } catch (RuntimeException ignored) {
                // stop the rest anyway
            }
        });
        receiver.close();
        mongo.close();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
