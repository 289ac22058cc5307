package io.ordermesh.csv;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.config.Topics;
import io.ordermesh.common.events.OrderEvent;
import io.ordermesh.common.orders.OrderDocuments;
import io.ordermesh.common.tenant.Tenants;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.common.uploads.UploadMessage;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** A tenant's catalogue in the real ims-api, and uploads the way oms-api announces them. */
@Singleton
public class CsvFixtures {

    @Inject
    S3Client s3;
    @Inject
    SqsClient sqs;
    @Inject
    MongoDatabase db;
    @Inject
    BulkStorage bulk;
    @Inject
    Topics topics;
    @Inject
    ObjectMapper json;
    @ConfigProperty(name = "ordermesh.test.ims-url")
    String ims;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String kafka;

    public record Catalogue(String tenant, String seller, String otherSeller, String hub, List<String> skus, String otherSellersSku) {
    }

    public Catalogue catalogue(int skus) {
        String tenant = post(null, "/tenants", Map.of("code", "t-" + UUID.randomUUID(), "name", "CSV tenant"));
        String seller = post(tenant, "/sellers", Map.of("code", code(), "name", "Seller"));
        String other = post(tenant, "/sellers", Map.of("code", code(), "name", "Other seller"));
        String hub = post(tenant, "/hubs", Map.of("code", code(), "name", "Hub"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < skus; i++) {
            ids.add(post(tenant, "/skus", Map.of("code", code(), "name", "SKU " + i, "seller_id", seller, "price", 10)));
        }
        String othersSku = post(tenant, "/skus", Map.of("code", code(), "name", "Not yours", "seller_id", other, "price", 3));
        return new Catalogue(tenant, seller, other, hub, ids, othersSku);
    }

    private String post(String tenant, String path, Map<String, Object> body) {
        var req = given().baseUri(ims).contentType(ContentType.JSON).body(body);
        if (tenant != null) {
            req.header(Tenants.HEADER, tenant);
        }
        return req.post(path).then().statusCode(201).extract().path("id");
    }

    /** Stores the file, records the job and sends the message, as oms-api's upload does. */
    public String upload(String tenant, byte[] content) {
        String uploadId = UUID.randomUUID().toString();
        String key = UploadDocuments.uploadKeyPrefix(tenant) + System.currentTimeMillis() + "_" + uploadId + "_orders.csv";
        s3.putObject(b -> b.bucket(bulk.bucket()).key(key), RequestBody.fromBytes(content));
        db.getCollection(UploadDocuments.COLLECTION).insertOne(new Document(UploadDocuments.ID, uploadId)
                .append(UploadDocuments.TENANT_ID, tenant)
                .append(UploadDocuments.STATUS, UploadDocuments.QUEUED)
                .append(UploadDocuments.FILE_NAME, "orders.csv")
                .append(UploadDocuments.BUCKET, bulk.bucket())
                .append(UploadDocuments.KEY, key)
                .append(UploadDocuments.SIZE_BYTES, (long) content.length)
                .append(UploadDocuments.CREATED_AT, new Date())
                .append(UploadDocuments.MESSAGE_SENT_AT, new Date()));
        announce(new UploadMessage(UUID.fromString(tenant), bulk.bucket(), key, uploadId));
        return uploadId;
    }

    public void announce(UploadMessage message) {
        String url = sqs.getQueueUrl(b -> b.queueName(bulk.queue())).queueUrl();
        try {
            String body = json.writeValueAsString(message);
            sqs.sendMessage(b -> b.queueUrl(url).messageBody(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public Document job(String uploadId) {
        return db.getCollection(UploadDocuments.COLLECTION).find(Filters.eq(UploadDocuments.ID, uploadId)).first();
    }

    public Document awaitFinished(String uploadId, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            String s = job(uploadId).getString(UploadDocuments.STATUS);
            return UploadDocuments.COMPLETED.equals(s) || UploadDocuments.FAILED.equals(s);
        });
        return job(uploadId);
    }

    public List<Document> orders(String uploadId) {
        return db.getCollection(OrderDocuments.COLLECTION).find(Filters.eq("source.upload_id", uploadId))
                .into(new ArrayList<>());
    }

    /** Counted by the server: reading 100,000 orders back would be one oversized reply from the embedded server. */
    public long countOrders(String uploadId) {
        return db.getCollection(OrderDocuments.COLLECTION).countDocuments(Filters.eq("source.upload_id", uploadId));
    }

    public String errorFile(String tenant, String uploadId) {
        return s3.getObjectAsBytes(b -> b.bucket(bulk.bucket()).key(UploadDocuments.errorKey(tenant, uploadId)))
                .asString(StandardCharsets.UTF_8);
    }

    /** order.created events of the tenant on this run's topic, waiting until {@code done} holds. */
    public List<OrderEvent> createdEvents(String tenant, Predicate<List<OrderEvent>> done, Duration within) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        List<OrderEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.orderCreated()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + within.toNanos();
            while (System.nanoTime() < deadline && !done.test(events)) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    OrderEvent e = json.readValue(r.value(), OrderEvent.class);
                    if (e.tenantId().toString().equals(tenant)) {
                        events.add(e);
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return events;
    }

    private static String code() {
        return "C-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
