package io.ordermesh.oms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.ordermesh.common.config.BulkStorage;
import io.ordermesh.common.uploads.UploadDocuments;
import io.ordermesh.oms.repository.Collections;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
class UploadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Collections collections;
    @Inject
    S3Client s3;
    @Inject
    SqsClient sqs;
    @Inject
    BulkStorage bulk;

    private String csv(TestTenant t, int rows) {
        StringBuilder sb = new StringBuilder("order_id,sku_id,quantity,seller_id,hub_id,price\n");
        for (int i = 0; i < rows; i++) {
            sb.append("o").append(i).append(',').append(t.skus().get(0)).append(",1,").append(t.seller()).append(',').append(t.hub()).append(",2.50\n");
        }
        return sb.toString();
    }

    private List<S3Object> objects(String prefix) {
        return s3.listObjectsV2(b -> b.bucket(bulk.bucket()).prefix(prefix)).contents();
    }

    private long jobs(TestTenant t) {
        return collections.uploads().countDocuments(Filters.eq("tenant_id", t.id().toString()));
    }

    /** Messages for this upload id on the run's queue (others are left to reappear for their own tests). */
    private List<JsonNode> messagesFor(String uploadId, Duration wait) throws Exception {
        String url = sqs.getQueueUrl(b -> b.queueName(bulk.queue())).queueUrl();
        Instant deadline = Instant.now().plus(wait);
        List<JsonNode> found = new ArrayList<>();
        while (found.isEmpty() && Instant.now().isBefore(deadline)) {
            for (Message m : sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1).visibilityTimeout(1)).messages()) {
                JsonNode body = JSON.readTree(m.body());
                if (uploadId.equals(body.path("upload_id").asText())) {
                    found.add(body);
                    sqs.deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
                }
            }
        }
        return found;
    }

    @Test
    void uploadStoresTheCsvUnderTheTenantPrefixQueuesTheJobAndAnnouncesItOnSqs() throws Exception {
        TestTenant t = TestTenant.create();
        String body = csv(t, 3);
        var answer = t.api().multiPart("file", "my orders.csv", body.getBytes(StandardCharsets.UTF_8), "text/csv")
                .post("/orders/upload").then().statusCode(202)
                .body("status", equalTo("queued"))
                .body("upload_id", notNullValue())
                .body("status_url", startsWith("/orders/uploads/"))
                .extract();
        String uploadId = answer.path("upload_id");

        List<S3Object> stored = objects("uploads/" + t.id() + "/");
        assertEquals(1, stored.size());
        String key = stored.get(0).key();
        assertTrue(key.matches("uploads/" + t.id() + "/\\d{8}T\\d{9}Z_" + uploadId + "_my_orders\\.csv"), key);
        String content = s3.getObjectAsBytes(b -> b.bucket(bulk.bucket()).key(key)).asUtf8String();
        assertEquals(body, content);

        List<JsonNode> messages = messagesFor(uploadId, Duration.ofSeconds(15));
        assertEquals(1, messages.size());
        assertEquals(t.id().toString(), messages.get(0).path("tenant_id").asText());
        assertEquals(key, messages.get(0).path("key").asText());
        assertEquals(bulk.bucket(), messages.get(0).path("bucket").asText());

        t.api().get("/orders/uploads/" + uploadId).then().statusCode(200).body("status", equalTo("queued"))
                .body("file_name", equalTo("my_orders.csv")).body("error_file", equalTo(null));
    }

    @Test
    void badUploadsAreProblemsAndStoreNothing() {
        TestTenant t = TestTenant.create();
        // Missing file part.
        t.api().multiPart("other", "x.csv", "a,b\n".getBytes(), "text/csv").post("/orders/upload").then()
                .statusCode(422).contentType("application/problem+json").body("errors[0].field", equalTo("file"));
        // Empty file.
        t.api().multiPart("file", "empty.csv", new byte[0], "text/csv").post("/orders/upload").then()
                .statusCode(422).contentType("application/problem+json").body("detail", equalTo("the file is empty"));
        // Not a CSV: binary content, or a name and type that are not CSV.
        t.api().multiPart("file", "orders.csv", new byte[]{'P', 'K', 3, 4, 0, 0, 1}, "text/csv").post("/orders/upload").then()
                .statusCode(415).contentType("application/problem+json");
        t.api().multiPart("file", "photo.png", "order_id,sku_id\n".getBytes(), "image/png").post("/orders/upload").then()
                .statusCode(415).contentType("application/problem+json");
        // A CSV without the required columns.
        t.api().multiPart("file", "bad.csv", "name,qty\nx,1\n".getBytes(), "text/csv").post("/orders/upload").then()
                .statusCode(422).contentType("application/problem+json");
        // Not multipart at all.
        t.json().body("{\"file\":\"x\"}").post("/orders/upload").then().statusCode(415).contentType("application/problem+json");
        assertEquals(0, jobs(t));
        assertTrue(objects("uploads/" + t.id() + "/").isEmpty());
    }

    @Test
    void bulkOrderQueuesAnObjectUnderTheOwnPrefixOnly() throws Exception {
        TestTenant t = TestTenant.create();
        TestTenant other = TestTenant.create();
        String key = "uploads/" + t.id() + "/manual_" + UUID.randomUUID() + ".csv";
        s3.putObject(b -> b.bucket(bulk.bucket()).key(key), RequestBody.fromString(csv(t, 2)));

        String uploadId = t.json().body(Map.of("s3_path", "s3://" + bulk.bucket() + "/" + key)).post("/orders/bulkorder").then()
                .statusCode(202).body("status", equalTo("queued")).extract().path("upload_id");
        assertEquals(1, messagesFor(uploadId, Duration.ofSeconds(15)).size());
        t.json().body(Map.of("s3_path", key)).post("/orders/bulkorder").then().statusCode(202);

        other.json().body(Map.of("s3_path", key)).post("/orders/bulkorder").then().statusCode(403).contentType("application/problem+json");
        t.json().body(Map.of("s3_path", "uploads/" + t.id() + "/../" + other.id() + "/x.csv")).post("/orders/bulkorder").then().statusCode(403);
        t.json().body(Map.of("s3_path", "s3://another-bucket/" + key)).post("/orders/bulkorder").then().statusCode(403);
        t.json().body(Map.of("s3_path", "uploads/" + t.id() + "/missing.csv")).post("/orders/bulkorder").then().statusCode(404)
                .contentType("application/problem+json");
        assertEquals(0, jobs(other));
    }

    @Test
    void uploadStatusAndErrorFilesAreOnlyTheTenantsOwn() {
        TestTenant t = TestTenant.create();
        TestTenant other = TestTenant.create();
        String uploadId = t.api().multiPart("file", "o.csv", csv(t, 1).getBytes(), "text/csv").post("/orders/upload")
                .then().statusCode(202).extract().path("upload_id");
        // What csv-processor does when rows are invalid: counters and an error file.
        String errorKey = UploadDocuments.errorKey(t.id(), uploadId);
        String errors = "order_id,sku_id,quantity,seller_id,hub_id,price,error\no1,x,0,s,h,1,quantity must be > 0\n";
        s3.putObject(b -> b.bucket(bulk.bucket()).key(errorKey), RequestBody.fromString(errors));
        collections.uploads().updateOne(Filters.eq("_id", uploadId), Updates.combine(
                Updates.set("status", "completed"), Updates.set("rows_total", 2), Updates.set("rows_valid", 1),
                Updates.set("rows_invalid", 1), Updates.set("orders_created", 1), Updates.set("error_key", errorKey),
                Updates.set("finished_at", new Date())));

        t.api().get("/orders/uploads/" + uploadId).then().statusCode(200).body("status", equalTo("completed"))
                .body("rows_invalid", equalTo(1)).body("error_file", equalTo(uploadId + ".csv"))
                .body("error_file_url", equalTo("/orders/errors/" + uploadId + ".csv"));
        String got = t.api().get("/orders/errors/" + uploadId + ".csv").then().statusCode(200)
                .contentType(matchesPattern("text/csv.*")).extract().asString();
        assertEquals(errors, got);

        other.api().get("/orders/uploads/" + uploadId).then().statusCode(404).contentType("application/problem+json");
        other.api().get("/orders/errors/" + uploadId + ".csv").then().statusCode(404);
        t.api().get("/orders/errors/" + UUID.randomUUID() + ".csv").then().statusCode(404);
        t.api().get("/orders/errors/..%2F..%2Fsecret.csv").then().statusCode(404);
    }

    @Test
    void aJobWhoseSqsMessageWasNeverSentIsAnnouncedByTheRelay() throws Exception {
        // As if SQS had been down (or the process died) after the object was stored and the job written.
        TestTenant t = TestTenant.create();
        String uploadId = UUID.randomUUID().toString();
        String key = "uploads/" + t.id() + "/late_" + uploadId + ".csv";
        s3.putObject(b -> b.bucket(bulk.bucket()).key(key), RequestBody.fromString(csv(t, 1)));
        collections.uploads().insertOne(new Document("_id", uploadId).append("tenant_id", t.id().toString())
                .append("status", "queued").append("file_name", "late.csv").append("bucket", bulk.bucket()).append("key", key)
                .append("created_at", Date.from(Instant.now().minusSeconds(60))).append("message_sent_at", null));
        List<JsonNode> messages = messagesFor(uploadId, Duration.ofSeconds(20));
        assertEquals(1, messages.size(), "the relay did not send the upload's message");
        assertEquals(key, messages.get(0).path("key").asText());
        // The relay marks the job right after SQS accepted the message: wait for that write.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                collections.uploads().find(Filters.eq("_id", uploadId)).first().getDate("message_sent_at") != null);
    }

    @Test
    void anUploadAboveTheSizeLimitIs413AndStoresNothing() {
        // %test limit: 65536 bytes. A file of exactly the limit is taken; one byte more is refused.
        TestTenant t = TestTenant.create();
        long limit = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("ordermesh.oms.uploads.max-bytes", Long.class);
        String rows = csv(t, 1000);
        assertTrue(rows.length() > limit + 1, "test file must exceed the limit");
        byte[] tooLarge = rows.substring(0, (int) limit + 1).getBytes(StandardCharsets.US_ASCII);
        t.api().multiPart("file", "big.csv", tooLarge, "text/csv").post("/orders/upload").then()
                .statusCode(413).contentType("application/problem+json").body("status", equalTo(413))
                .body("detail", containsString(Long.toString(limit)));
        assertEquals(0, objects("uploads/" + t.id() + "/").size(), "nothing stored in S3");
        assertEquals(0, jobs(t), "no upload job");

        byte[] atLimit = rows.substring(0, (int) limit).getBytes(StandardCharsets.US_ASCII);
        t.api().multiPart("file", "edge.csv", atLimit, "text/csv").post("/orders/upload").then().statusCode(202);
        assertEquals(1, objects("uploads/" + t.id() + "/").size());
        assertEquals(1, jobs(t));
    }

    @Test
    void anUploadStoredWhileSqsIsDownStaysQueuedAndTheRelaySendsItWhenSqsIsBack() throws Exception {
        TestTenant t = TestTenant.create();
        String body = csv(t, 2);
        String uploadId;
        // SQS away for this app only (the shared ElasticMQ keeps serving other runs).
        SqsGate.close();
        try {
            uploadId = t.api().multiPart("file", "outage.csv", body.getBytes(StandardCharsets.UTF_8), "text/csv")
                    .post("/orders/upload").then().statusCode(202).body("status", equalTo("queued")).extract().path("upload_id");
            Document job = collections.uploads().find(Filters.eq("_id", uploadId)).first();
            assertEquals("queued", job.getString("status"));
            assertNull(job.get("message_sent_at"), "no message can have been sent while SQS is down");
            assertEquals(1, objects("uploads/" + t.id() + "/").size(), "the object is stored");
        } finally {
            SqsGate.open();
        }
        List<JsonNode> messages = messagesFor(uploadId, Duration.ofSeconds(60));
        assertEquals(1, messages.size(), "the relay did not send the upload's message after SQS came back");
        assertEquals(t.id().toString(), messages.get(0).path("tenant_id").asText());
        assertEquals(objects("uploads/" + t.id() + "/").get(0).key(), messages.get(0).path("key").asText());
        String id = uploadId;
        await().atMost(Duration.ofSeconds(10)).until(() ->
                collections.uploads().find(Filters.eq("_id", id)).first().getDate("message_sent_at") != null);
        t.api().get("/orders/uploads/" + uploadId).then().statusCode(200).body("status", equalTo("queued"));
    }
}
