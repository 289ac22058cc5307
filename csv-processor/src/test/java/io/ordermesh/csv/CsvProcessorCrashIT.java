package io.ordermesh.csv;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged csv-processor instances share the queue; one is killed with {@code kill -9} in the
 * middle of a file and started again. The end state is the crash-free one: every valid row's order
 * exists exactly once and was announced, every file completed, none processed by two at once.
 */
class CsvProcessorCrashIT {

    private static final int FILES = 4;
    private static final int ROWS = 12_000;

    static ServiceProcess ims;
    static ServiceProcess first;
    static ServiceProcess second;
    static MongoClient mongo;
    static MongoDatabase db;
    static S3Client s3;
    static SqsClient sqs;
    static String queue;
    static String topic;
    static String database;

    @BeforeAll
    static void start() {
        TestStack.ensureUp();
        String run = TestStack.RUN_ID;
        database = "oms_" + run;
        queue = TestStack.sqsQueue("ordermesh-bulk-orders", 5);
        topic = "order.created." + run;
        ims = ServiceProcess.start("ims-api", "256m", Map.of("quarkus.datasource.jdbc.url", TestStack.postgresDatabase("ims")));
        Map<String, String> props = Map.of(
                "quarkus.profile", "prod,local",
                "quarkus.mongodb.database", database,
                "ordermesh.bulk.queue", queue,
                "ordermesh.topics.order-created", topic,
                "quarkus.rest-client.ims.url", ims.url(),
                "ordermesh.csv.visibility-timeout", "PT10S",
                "ordermesh.csv.poll-wait", "PT2S");
        first = ServiceProcess.start("csv-processor", "256m", props);
        second = ServiceProcess.start("csv-processor", "256m", props);
        mongo = MongoClients.create("mongodb://127.0.0.1:27017");
        db = mongo.getDatabase(database);
        var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("ordermesh", "ordermesh-local-secret"));
        s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:9000")).region(Region.US_EAST_1)
                .credentialsProvider(creds).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build();
        sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:9324")).region(Region.US_EAST_1)
                .credentialsProvider(creds).httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterAll
    static void stop() {
        for (ServiceProcess p : new ServiceProcess[] {first, second, ims}) {
            if (p != null) {
                p.close();
            }
        }
        if (mongo != null) {
            mongo.close();
        }
    }

    @Test
    void aProcessorKilledMidFileLosesAndDuplicatesNothingAndInstancesShareTheQueue() throws Exception {
        String tenant = post(null, "/tenants", Map.of("code", "crash-" + UUID.randomUUID(), "name", "Crash test"));
        String seller = post(tenant, "/sellers", Map.of("code", "s", "name", "Seller"));
        String hub = post(tenant, "/hubs", Map.of("code", "h", "name", "Hub"));
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            skus.add(post(tenant, "/skus", Map.of("code", "k" + i, "name", "SKU", "seller_id", seller, "price", 2)));
        }
        Set<String> expected = new HashSet<>();
        List<String> uploads = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            String upload = UUID.randomUUID().toString();
            StringBuilder csv = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
            for (int i = 0; i < ROWS; i++) {
                String order = i % 4 == 0 ? "" : "F" + f + "-" + (i / 3);
                csv.append(order).append(',').append(skus.get(i % 5)).append(",1,").append(seller).append(',').append(hub).append(",2\n");
                expected.add(order.isEmpty() ? upload + "-" + (i + 2) : order);
            }
            uploads.add(upload);
            announce(tenant, upload, csv.toString().getBytes(StandardCharsets.UTF_8));
        }

        // Kill whichever instance is working, in the middle of a file, then bring it back.
        await().atMost(Duration.ofMinutes(3)).until(() -> uploads.stream().anyMatch(u -> {
            Number rows = job(u).get(UploadDocuments.ROWS_TOTAL, Number.class);
            return rows != null && rows.longValue() >= 2000 && rows.longValue() < ROWS;
        }));
        first.kill();
        Thread.sleep(500);
        first.restart();

        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() ->
                uploads.stream().allMatch(u -> UploadDocuments.COMPLETED.equals(job(u).getString(UploadDocuments.STATUS))));
        for (String u : uploads) {
            Document job = job(u);
            assertEquals((long) ROWS, job.get(UploadDocuments.ROWS_VALID, Number.class).longValue(), u);
            assertEquals(0L, job.get(UploadDocuments.ROWS_INVALID, Number.class).longValue(), u);
        }
        List<String> ids = db.getCollection("orders").find(Filters.eq("tenant_id", tenant))
                .map(d -> d.getString("order_id")).into(new ArrayList<>());
        assertEquals(expected.size(), ids.size(), "no order lost, none twice");
        assertEquals(expected, new HashSet<>(ids));
        long held = db.getCollection("orders").countDocuments(Filters.and(Filters.eq("tenant_id", tenant), Filters.eq("outbox_hold", true)));
        assertEquals(0, held, "every held order was released");

        Set<String> announced = announcedOrders(tenant, expected.size(), Duration.ofMinutes(3));
        assertEquals(expected, announced, "every order announced at least once");
    }

    private static Document job(String upload) {
        return db.getCollection(UploadDocuments.COLLECTION).find(Filters.eq("_id", upload)).first();
    }

    private static void announce(String tenant, String upload, byte[] content) {
        String key = UploadDocuments.uploadKeyPrefix(tenant) + System.currentTimeMillis() + "_" + upload + "_orders.csv";
        s3.putObject(b -> b.bucket("ordermesh").key(key), RequestBody.fromBytes(content));
        db.getCollection(UploadDocuments.COLLECTION).insertOne(new Document("_id", upload).append("tenant_id", tenant)
                .append("status", "queued").append("file_name", "orders.csv").append("bucket", "ordermesh").append("key", key)
                .append("size_bytes", (long) content.length).append("created_at", new Date()).append("message_sent_at", new Date()));
        String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
        sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"tenant_id\":\"" + tenant + "\",\"bucket\":\"ordermesh\",\"key\":\""
                + key + "\",\"upload_id\":\"" + upload + "\"}"));
    }

    private static Set<String> announcedOrders(String tenant, int expected, Duration within) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        Pattern orderId = Pattern.compile("\"order\":\\{\"order_id\":\"([^\"]+)\"");
        Set<String> seen = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + within.toNanos();
            while (seen.size() < expected && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value().contains(tenant)) {
                        Matcher m = orderId.matcher(r.value());
                        assertTrue(m.find(), r.value());
                        seen.add(m.group(1));
                    }
                }
            }
        }
        return seen;
    }

    private static String post(String tenant, String path, Map<String, Object> body) {
        var req = given().baseUri(ims.url()).contentType(ContentType.JSON).body(body);
        if (tenant != null) {
            req.header(Tenants.HEADER, tenant);
        }
        return req.post(path).then().statusCode(201).extract().path("id");
    }
}
