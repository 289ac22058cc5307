package io.ordermesh.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Creates what the services expect to exist. Every step is idempotent. */
final class Provisioner {

    static final List<String> TOPICS = List.of("order.created", "order.updated", "order.created.dlq", "order.updated.dlq");
    static final int PARTITIONS = 6;
    static final String BUCKET = "ordermesh";
    static final String DATABASE = "ims";
    static final String S3_ACCESS_KEY = "ordermesh";
    static final String S3_SECRET_KEY = "ordermesh-local-secret";

    private Provisioner() {
    }

    static void provision(List<Component> components) throws Exception {
        if (components.contains(Component.KAFKA)) {
            topics();
        }
        if (components.contains(Component.POSTGRES)) {
            database(DATABASE);
        }
        // The bucket is a directory S3Proxy creates on start; the SQS queues are part of ElasticMQ's
        // configuration. Neither needs a call here.
    }

    private static void topics() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, Component.HOST + ":" + Component.KAFKA.port))) {
            for (String t : TOPICS) {
                try {
                    admin.createTopics(List.of(new NewTopic(t, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    static void database(String name) throws SQLException {
        String url = "jdbc:postgresql://" + Component.HOST + ":" + Component.POSTGRES.port + "/postgres";
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        }
    }
}
