package io.ordermesh.localstack;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import de.bwaldvogel.mongo.MongoServer;
import org.h2.mvstore.MVStore;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.elasticmq.server.ElasticMQServer;
import org.elasticmq.server.config.ElasticMQServerConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The servers that run inside a JVM of their own, started by {@code LocalStack run <component>}.
 * Each method starts its server, registers a shutdown hook that stops it cleanly on SIGTERM, and
 * returns; the caller keeps the JVM alive.
 */
final class JvmServers {

    /** H2's page cache for the MongoDB-compatible server, in MB of heap as TunedH2Backend estimates it (see README). */
    static final int MONGO_PAGE_CACHE_MB = 64;

    /** The bulk-order queue and its dead-letter queue, provisioned on every start. */
    static final String BULK_QUEUE = "ordermesh-bulk-orders";
    static final String BULK_DLQ = "ordermesh-bulk-orders-dlq";
    /** How often a bulk-order message may be received before it is dead-lettered. */
    static final int BULK_MAX_RECEIVES = 5;

    private JvmServers() {
    }

    static void start(Component c, StackHome home) throws Exception {
        Path data = home.data(c);
        Files.createDirectories(data);
        switch (c) {
            case KAFKA -> kafka(data);
            case SQS -> sqs(data);
            case S3 -> s3(data);
            case MONGO -> mongo(data);
            default -> throw new IllegalArgumentException(c + " is not a JVM server");
        }
    }

    private static void kafka(Path data) throws IOException {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:9093");
        p.put("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093");
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:9092");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("log.dirs", data.toString());
        // Topics created on first use (tests use their own topic names) get as many partitions as
        // the provisioned ones, so consumer-group scaling behaves the same.
        p.put("num.partitions", "6");
        p.put("auto.create.topics.enable", "true");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default 128 MB dedupe buffer does not fit the small heap the local stack uses.
        p.put("log.cleaner.dedupe.buffer.size", "16777216");
        p.put("log.retention.hours", "72");
        KafkaConfig cfg = KafkaConfig.fromProps(p);
        if (!Files.exists(data.resolve("meta.properties"))) {
            Formatter f = new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(cfg.nodeId())
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(cfg.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(cfg.metadataLogDir())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
            cfg.logDirs().forEach(f::addDirectory);
            try {
                f.run();
            } catch (Exception e) {
                throw new IOException("cannot format Kafka storage in " + data, e);
            }
        }
        KafkaRaftServer server = new KafkaRaftServer(cfg, Time.SYSTEM);
        server.startup();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            server.awaitShutdown();
        }, "kafka-shutdown"));
    }

    private static void sqs(Path data) {
        String conf = """
                node-address { protocol = "http", host = "127.0.0.1", port = %d, context-path = "" }
                rest-sqs { enabled = true, bind-port = %d, bind-hostname = "127.0.0.1", sqs-limits = strict }
                rest-stats { enabled = false }
                aws { region = "us-east-1", accountId = "000000000000" }
                queues-storage { enabled = true, path = "%s" }
                messages-storage { enabled = true, uri = "jdbc:h2:%s" }
                queues {
                  %s { }
                  %s {
                    defaultVisibilityTimeout = 60 seconds
                    receiveMessageWait = 0 seconds
                    deadLettersQueue { name = "%s", maxReceiveCount = %d }
                  }
                }
                """.formatted(Component.SQS.port, Component.SQS.port,
                data.resolve("queues.conf"), data.resolve("messages"),
                BULK_DLQ, BULK_QUEUE, BULK_DLQ, BULK_MAX_RECEIVES);
        Config config = ConfigFactory.parseString(conf).withFallback(ConfigFactory.load()).resolve();
        scala.Function0<?> stop = new ElasticMQServer(new ElasticMQServerConfig(config)).start();
        Runtime.getRuntime().addShutdownHook(new Thread(stop::apply, "sqs-shutdown"));
    }

    private static void s3(Path data) throws Exception {
        Path blobs = data.resolve("blobs");
        Files.createDirectories(blobs.resolve(Provisioner.BUCKET));
        Path props = data.resolve("s3proxy.conf");
        Files.writeString(props, """
                s3proxy.endpoint=http://127.0.0.1:%d
                s3proxy.authorization=aws-v2-or-v4
                s3proxy.identity=%s
                s3proxy.credential=%s
                jclouds.provider=filesystem-nio2
                jclouds.identity=unused
                jclouds.credential=unused
                jclouds.filesystem.basedir=%s
                """.formatted(Component.S3.port, Provisioner.S3_ACCESS_KEY, Provisioner.S3_SECRET_KEY, blobs));
        // Main.main returns once Jetty listens; it calls System.exit on a configuration error.
        org.gaul.s3proxy.Main.main(new String[] {"--properties", props.toString()});
    }

    private static void mongo(Path data) {
        // A read that misses H2's page cache decodes a whole page of documents (BSON); a larger cache
        // than 64 MB cost more in garbage collection than it saved in decoding (README).
        MVStore store = new MVStore.Builder().fileName(data.resolve("oms.mv").toString()).cacheSize(MONGO_PAGE_CACHE_MB).open();
        // Full scans hold the chunks of the version they read themselves (TunedH2Backend), so H2's
        // retention time stays at its default (45 s): at a million rows the file peaked at 14 GB
        // (2 minutes: 17 GB; 10 minutes, before scans held their chunks: 51 GB).
        MongoServer server = new MongoServer(TunedH2Backend.open(store));
        server.bind(Component.HOST, Component.MONGO.port);
        // Closing the backend commits the H2 store; without it the last writes may be lost.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown, "mongo-shutdown"));
    }
}
