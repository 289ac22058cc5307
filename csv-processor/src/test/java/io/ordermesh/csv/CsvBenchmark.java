package io.ordermesh.csv;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import io.ordermesh.common.orders.Order;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.orders.OrderStatus;
import io.ordermesh.common.outbox.Outbox;
import io.ordermesh.common.outbox.PendingEvent;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.testsupport.ServiceProcess;
import io.ordermesh.testsupport.TestStack;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prints csv-processor's ingestion rate and peak memory (the packaged jar at -Xmx256m, as a
 * separate process) for 100,000 and 1,000,000-row files, and in the same run the raw MongoDB
 * bulk-insert rate and Kafka produce rate for as many documents, with the ratio to the slower one.
 * It runs the jar in {@code target/quarkus-app}, and Maven runs tests before it packages, so package
 * first: {@code ./mvnw install -DskipTests -pl deploy/local-stack,common,test-support,ims-api,csv-processor},
 * then {@code ./mvnw test -pl csv-processor -Dtest=CsvBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * (sizes: {@code -Dbench.rows=100000,1000000}).
 */
class CsvBenchmark {

    @Test
    void ingestionRateAndMemoryAgainstTheRawLimits() throws Exception {
        TestStack.ensureUp();
        String database = "oms_" + TestStack.RUN_ID;
        String queue = TestStack.sqsQueue("ordermesh-bulk-orders", 5);
        String topic = "order.created." + TestStack.RUN_ID;
        try (ServiceProcess ims = ServiceProcess.start("ims-api", "256m", Map.of("quarkus.datasource.jdbc.url", TestStack.postgresDatabase("ims")));
             ServiceProcess csv = ServiceProcess.start("csv-processor", "256m", Map.of("quarkus.profile", "prod,local",
                     "quarkus.mongodb.database", database, "ordermesh.bulk.queue", queue,
                     "ordermesh.topics.order-created", topic, "quarkus.rest-client.ims.url", ims.url()));
             MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:27017")) {
            var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("ordermesh", "ordermesh-local-secret"));
            S3Client s3 = S3Client.builder().endpointOverride(URI.create("http://127.0.0.1:9000")).region(Region.US_EAST_1)
                    .credentialsProvider(creds).forcePathStyle(true).httpClient(UrlConnectionHttpClient.create()).build();
            SqsClient sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:9324")).region(Region.US_EAST_1)
                    .credentialsProvider(creds).httpClient(UrlConnectionHttpClient.create()).build();
            String tenant = post(ims, null, "/tenants", Map.of("code", "bench-" + UUID.randomUUID(), "name", "Bench"));
            String seller = post(ims, tenant, "/sellers", Map.of("code", "s", "name", "Seller"));
            String hub = post(ims, tenant, "/hubs", Map.of("code", "h", "name", "Hub"));
            List<String> skus = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                skus.add(post(ims, tenant, "/skus", Map.of("code", "k" + i, "name", "SKU", "seller_id", seller, "price", 3)));
            }
            StringBuilder report = new StringBuilder("\n=== csv-processor benchmark (packaged jar, -Xmx256m, this machine) ===\n");
            for (String n : System.getProperty("bench.rows", "100000,1000000").split(",")) {
                int rows = Integer.parseInt(n.trim());
                byte[] file = file(rows, seller, hub, skus);
                String upload = UUID.randomUUID().toString();
                String key = UploadDocuments.uploadKeyPrefix(tenant) + "bench_" + upload + ".csv";
                s3.putObject(b -> b.bucket("ordermesh").key(key), RequestBody.fromBytes(file));
                var uploads = mongo.getDatabase(database).getCollection(UploadDocuments.COLLECTION);
                uploads.insertOne(new Document("_id", upload).append("tenant_id", tenant).append("status", "queued")
                        .append("file_name", "bench.csv").append("bucket", "ordermesh").append("key", key)
                        .append("size_bytes", (long) file.length).append("created_at", new Date()).append("message_sent_at", new Date()));
                String url = sqs.getQueueUrl(b -> b.queueName(queue)).queueUrl();
                long t0 = System.nanoTime();
                sqs.sendMessage(b -> b.queueUrl(url).messageBody("{\"tenant_id\":\"" + tenant + "\",\"bucket\":\"ordermesh\",\"key\":\""
                        + key + "\",\"upload_id\":\"" + upload + "\"}"));
                await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ofSeconds(1))
                        .until(() -> "completed".equals(uploads.find(Filters.eq("_id", upload)).first().getString("status")));
                double ingest = rows / ((System.nanoTime() - t0) / 1e9);
                assertEquals((long) rows, uploads.find(Filters.eq("_id", upload)).first().get("rows_valid", Number.class).longValue());
                long orders = uploads.find(Filters.eq("_id", upload)).first().get("orders_created", Number.class).longValue();

                double insert = rawInsertRate(mongo.getDatabase(database).getCollection("raw_insert_" + rows), (int) orders, tenant, seller, hub, skus.get(0));
                double produce = rawProduceRate("raw.produce." + TestStack.RUN_ID + "." + rows, (int) orders);
                double slower = Math.min(insert, produce) * rows / orders;
                report.append(String.format("%,9d rows (%,d orders, %.0f MB): %,8.0f rows/s ingested, peak RSS %d MiB%n", rows, orders,
                        file.length / 1e6, ingest, csv.peakRssMib()));
                report.append(String.format("          raw MongoDB insertMany %,8.0f docs/s, raw Kafka produce %,8.0f records/s%n", insert, produce));
                report.append(String.format("          ingestion / slower raw limit (in rows/s) = %.2f%n", ingest / slower));
                System.out.println(report); // as soon as measured: the larger size takes long
            }
            System.out.println(report);
        }
    }

    /** Rows as sellers send them: two thirds in two-item orders, the rest orders of their own. */
    private static byte[] file(int rows, String seller, String hub, List<String> skus) {
        StringBuilder csv = new StringBuilder(rows * 170).append("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        for (int i = 0; i < rows; i++) {
            String order = i % 3 == 2 ? "" : "O-" + (i / 3);
            csv.append(order).append(',').append(skus.get(i % skus.size())).append(',').append(1 + i % 4).append(',')
                    .append(seller).append(',').append(hub).append(",3.00\n");
        }
        return csv.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The same document shape, bulk-inserted unordered in batches of 1,000: MongoDB's own rate here. */
    private static double rawInsertRate(MongoCollection<Document> c, int n, String tenant, String seller, String hub, String sku) {
        Instant now = Instant.now();
        long t0 = System.nanoTime();
        List<Document> batch = new ArrayList<>(1000);
        for (int i = 0; i < n; i++) {
            Order o = new Order("raw-" + i, UUID.fromString(tenant), UUID.fromString(seller), UUID.fromString(hub),
                    List.of(new Order.Item(UUID.fromString(sku), 1, BigDecimal.ONE)), BigDecimal.ONE, OrderStatus.on_hold, null, null,
                    Order.Source.csv("raw", i), now, now);
            batch.add(OrderDocuments.toDocument(o, List.of(new PendingEvent(UUID.randomUUID().toString(), "t", o.orderId(),
                    "x".repeat(700), now))));
            if (batch.size() == 1000 || i == n - 1) {
                c.insertMany(batch, new InsertManyOptions().ordered(false));
                batch.clear();
            }
        }
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        c.drop();
        return rate;
    }

    /** Records of an order.created's size, with the outbox's producer settings (idempotent, acks=all). */
    private static double rawProduceRate(String topic, int n) throws Exception {
        String value = "x".repeat(900);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Outbox.producerProperties("127.0.0.1:9092", "bench"))) {
            p.send(new ProducerRecord<>(topic, "warm", value)).get();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>(topic, "k" + i, value));
            }
            p.flush();
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static String post(ServiceProcess ims, String tenant, String path, Map<String, Object> body) {
        var req = given().baseUri(ims.url()).contentType(ContentType.JSON).body(body);
        if (tenant != null) {
            req.header(Tenants.HEADER, tenant);
        }
        return req.post(path).then().statusCode(201).extract().path("id");
    }
}
