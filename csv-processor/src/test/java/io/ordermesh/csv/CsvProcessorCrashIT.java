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
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

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
 * middle of a file and started again, or both get SIGTERM mid-file (the file is handed back: its
 * message visible again at once) and start again. The end state is the crash-free one: every valid
 * row's order exists exactly once and was announced, every file completed, none processed by two at once.
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

    /** A tenant with a seller, a hub and five SKUs in ims-api. */
    record Catalogue(String tenant, String seller, String hub, List<String> skus) {
        static Catalogue create(String name) {
            String tenant = post(null, "/tenants", Map.of("code", name + "-" + UUID.randomUUID(), "name", name));
            String seller = post(tenant, "/sellers", Map.of("code", "s", "name", "Seller"));
            String hub = post(tenant, "/hubs", Map.of("code", "h", "name", "Hub"));
            List<String> skus = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                skus.add(post(tenant, "/skus", Map.of("code", "k" + i, "name", "SKU", "seller_id", seller, "price", 2)));
            }
            return new Catalogue(tenant, seller, hub, skus);
        }

        /**
         * Stores and announces a file of {@code rows} valid rows (a quarter single-row orders, the rest in
         * three-row orders named {@code <name>-<n>}) and answers the order ids it must produce.
         */
        Set<String> upload(String upload, String name, int rows) {
            Set<String> expected = new HashSet<>();
            StringBuilder csv = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
            for (int i = 0; i < rows; i++) {
                String order = i % 4 == 0 ? "" : name + "-" + (i / 3);
                csv.append(order).append(',').append(skus.get(i % 5)).append(",1,").append(seller).append(',').append(hub).append(",2\n");
                expected.add(order.isEmpty() ? upload + "-" + (i + 2) : order);
            }
            announce(tenant, upload, csv.toString().getBytes(StandardCharsets.UTF_8));
            return expected;
        }
    }

    @Test
    void aProcessorKilledMidFileLosesAndDuplicatesNothingAndInstancesShareTheQueue() throws Exception {
        Catalogue c = Catalogue.create("crash");
        Set<String> expected = new HashSet<>();
        List<String> uploads = new ArrayList<>();
        for (int f = 0; f < FILES; f++) {
            String upload = UUID.randomUUID().toString();
            expected.addAll(c.upload(upload, "F" + f, ROWS));
            uploads.add(upload);
        }

        // Kill whichever instance is working, in the middle of a file, then bring it back.
        awaitMidFile(uploads, ROWS);
        first.kill();
        Thread.sleep(500);
        first.restart();

        everyFileCompletedEveryOrderOnceAndAnnounced(c.tenant(), uploads, ROWS, expected);
    }

    @Test
    void sigtermMidFileHandsTheMessageBackAtOnceAndTheFileCompletesExactlyOnceAfterwards() throws Exception {
        Catalogue c = Catalogue.create("sigterm");
        String upload = UUID.randomUUID().toString();
        int rows = 30_000;
        Set<String> expected = c.upload(upload, "T", rows);
        awaitMidFile(List.of(upload), rows);

        // Both instances get SIGTERM at once (a rollout), so neither can take the file over before we look.
        var exits = java.util.stream.Stream.of(first, second)
                .map(p -> java.util.concurrent.CompletableFuture.supplyAsync(() -> p.terminate(Duration.ofSeconds(55))))
                .toList().stream().map(java.util.concurrent.CompletableFuture::join).toList();
        Document job = job(upload);
        String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
        Map<QueueAttributeName, String> queueState = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        System.out.printf("CsvProcessorCrashIT: SIGTERM → exits %s; job %s at %s of %d rows; queue %s%n", exits,
                job.getString(UploadDocuments.STATUS), job.get(UploadDocuments.ROWS_TOTAL), rows, queueState);
        for (ServiceProcess.Exit exit : exits) {
            assertTrue(exit.inTime(), "csv-processor did not exit within 55 s of SIGTERM: " + exit);
            assertTrue(exit.took().compareTo(Duration.ofSeconds(30)) < 0, "exit took " + exit.took());
            assertEquals(143, exit.code(), "exit code after SIGTERM and the shutdown hooks");
        }
        assertTrue(handedBack(first, upload) || handedBack(second, upload), "neither instance logged the hand-back of " + upload);
        assertEquals(UploadDocuments.PROCESSING, job.getString(UploadDocuments.STATUS), "stopped mid-file");
        assertTrue(job.getDate("lease_until").before(new Date()), "the job's lease was released");
        // Handed back, not deleted, and visible now rather than after the visibility timeout.
        assertEquals("1", queueState.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES), "message visible again");
        assertEquals("0", queueState.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE), "message left invisible");

        first.restart();
        second.restart();
        everyFileCompletedEveryOrderOnceAndAnnounced(c.tenant(), List.of(upload), rows, expected);
    }

    private static boolean handedBack(ServiceProcess p, String upload) throws java.io.IOException {
        try (var lines = java.nio.file.Files.lines(p.log())) {
            return lines.anyMatch(l -> l.contains("upload " + upload + " handed back"));
        }
    }

    /** Waits until one of the uploads is being processed and part-way through. */
    private static void awaitMidFile(List<String> uploads, int rows) {
        await().atMost(Duration.ofMinutes(3)).until(() -> uploads.stream().anyMatch(u -> {
            Number total = job(u).get(UploadDocuments.ROWS_TOTAL, Number.class);
            return total != null && total.longValue() >= 2000 && total.longValue() < rows;
        }));
    }

    /** The crash-free end state: files completed with exact counts, every order once, none held, all announced. */
    private static void everyFileCompletedEveryOrderOnceAndAnnounced(String tenant, List<String> uploads, int rows, Set<String> expected) {
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() ->
                uploads.stream().allMatch(u -> UploadDocuments.COMPLETED.equals(job(u).getString(UploadDocuments.STATUS))));
        for (String u : uploads) {
            Document job = job(u);
            assertEquals((long) rows, job.get(UploadDocuments.ROWS_VALID, Number.class).longValue(), u);
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
