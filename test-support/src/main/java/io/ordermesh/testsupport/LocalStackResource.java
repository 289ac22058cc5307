package io.ordermesh.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource over {@link TestStack}. Init arg {@code postgres-database} (a prefix)
 * creates this run's database and points the default datasource at it; {@code sqs-queue} (a
 * prefix) creates this run's bulk-order queue with its dead-letter queue. Everything else a service
 * names per run (MongoDB database, topics, queues) is derived in its {@code %test} properties from
 * {@code ordermesh.test.run-id}.
 */
public class LocalStackResource implements QuarkusTestResourceLifecycleManager {

    private Map<String, String> args = Map.of();

    @Override
    public void init(Map<String, String> initArgs) {
        this.args = initArgs;
    }

    @Override
    public Map<String, String> start() {
        TestStack.ensureUp();
        Map<String, String> config = new HashMap<>();
        config.put("ordermesh.test.run-id", TestStack.RUN_ID);
        String pg = args.get("postgres-database");
        if (pg != null) {
            config.put("quarkus.datasource.jdbc.url", TestStack.postgresDatabase(pg));
        }
        String queue = args.get("sqs-queue");
        if (queue != null) {
            config.put("ordermesh.bulk.queue", TestStack.sqsQueue(queue, 3));
        }
        return config;
    }

    @Override
    public void stop() {
        // The stack lives as long as the JVM: other test classes reuse it; TestStack stops it at exit.
    }
}
