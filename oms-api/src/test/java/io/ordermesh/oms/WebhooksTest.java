package io.ordermesh.oms;

import io.ordermesh.oms.repository.Collections;
import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.oms.support.SqsGate;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.LocalStackResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(value = LocalStackResource.class, initArgs = @ResourceArg(name = "sqs-queue", value = "ordermesh-bulk-orders"))
@WithTestResource(ImsApiResource.class)
@WithTestResource(SqsGate.class)
class WebhooksTest {

    @Inject
    Collections collections;

    private static Map<String, Object> sub(String url) {
        return Map.of("url", url, "events", List.of("order.created", "order.updated"), "description", "ops");
    }

    @Test
    void subscriptionLifecycleShowsTheSecretOnlyOnCreateAndRotate() {
        TestTenant t = TestTenant.create();
        var created = t.json().body(sub("http://127.0.0.1:9999/hook")).post("/webhooks").then().statusCode(201)
                .header("Location", containsString("/webhooks/"))
                .body("active", equalTo(true)).body("secret", startsWith("whsec_")).extract();
        String id = created.path("id");
        String secret = created.path("secret");
        assertTrue(Base64.getDecoder().decode(secret.substring("whsec_".length())).length >= 24);

        t.api().get("/webhooks/" + id).then().statusCode(200).body("$", not(hasKey("secret"))).body("url", equalTo("http://127.0.0.1:9999/hook"));
        t.api().get("/webhooks").then().statusCode(200).body("items", hasSize(1)).body("items[0]", not(hasKey("secret")))
                .body("next_cursor", equalTo(null));

        t.json().body(Map.of("url", "http://localhost:8888/h", "events", List.of("order.updated"), "active", false))
                .put("/webhooks/" + id).then().statusCode(200).body("active", equalTo(false)).body("events", equalTo(List.of("order.updated")));

        String rotated = t.api().post("/webhooks/" + id + "/rotate-secret").then().statusCode(200)
                .body("secret", startsWith("whsec_")).body("previous_secret_expires_at", notNullValue()).extract().path("secret");
        assertNotEquals(secret, rotated);
        // The dispatcher signs with both during the overlap.
        var doc = collections.webhooks().find(new org.bson.Document("_id", id)).first();
        assertTrue(secret.equals(doc.getString("previous_secret")) && rotated.equals(doc.getString("secret")));

        t.api().delete("/webhooks/" + id).then().statusCode(204);
        t.api().get("/webhooks/" + id).then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void internalAndPlainHttpTargetsAreRefusedUnlessAllowListed() {
        TestTenant t = TestTenant.create();
        t.json().body(sub("https://169.254.169.254/latest/meta-data")).post("/webhooks").then().statusCode(422)
                .body("errors.field", hasItem("url")).body("detail", containsString("metadata"));
        t.json().body(sub("https://10.0.0.1/hook")).post("/webhooks").then().statusCode(422).body("detail", containsString("private"));
        t.json().body(sub("https://[::1]/hook")).post("/webhooks").then().statusCode(422);
        t.json().body(sub("http://93.184.216.34/hook")).post("/webhooks").then().statusCode(422).body("detail", containsString("https"));
        t.json().body(sub("ftp://127.0.0.1/hook")).post("/webhooks").then().statusCode(422);
        t.json().body(sub("not a url")).post("/webhooks").then().statusCode(422);
        t.json().body(Map.of("url", "https://93.184.216.34/hook", "events", List.of("order.shipped"))).post("/webhooks").then()
                .statusCode(422).body("errors.field", hasItem("events[0]"));
        t.json().body(Map.of("events", List.of("order.created"))).post("/webhooks").then().statusCode(422).body("errors.field", hasItem("url"));
        // A public https address passes (127.0.0.1 only because the test profile allow-lists it).
        t.json().body(sub("https://93.184.216.34/hook")).post("/webhooks").then().statusCode(201);
        t.api().get("/webhooks").then().body("items", hasSize(1));
    }

    @Test
    void tenantsAreIsolatedOnEveryWebhookEndpoint() {
        TestTenant a = TestTenant.create();
        TestTenant b = TestTenant.create();
        String id = a.json().body(sub("http://127.0.0.1:9999/a")).post("/webhooks").then().statusCode(201).extract().path("id");
        b.api().get("/webhooks/" + id).then().statusCode(404);
        b.json().body(sub("http://127.0.0.1:9999/b")).put("/webhooks/" + id).then().statusCode(404);
        b.api().post("/webhooks/" + id + "/rotate-secret").then().statusCode(404);
        b.api().delete("/webhooks/" + id).then().statusCode(404);
        b.api().get("/webhooks").then().body("items", hasSize(0));
        a.api().get("/webhooks/" + id).then().statusCode(200).body("url", equalTo("http://127.0.0.1:9999/a"));
    }

    @Test
    void subscriptionsPageWithTheCommonCursorAndABadLimitIs400() {
        TestTenant t = TestTenant.create();
        java.util.Set<String> all = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            all.add(t.json().body(sub("http://127.0.0.1:9999/p" + i)).post("/webhooks").then().statusCode(201).extract().path("id"));
        }
        var first = t.api().queryParam("limit", 2).get("/webhooks").then().statusCode(200).body("items", hasSize(2))
                .body("next_cursor", notNullValue()).extract();
        java.util.Set<String> paged = new java.util.HashSet<>(first.<List<String>>path("items.id"));
        t.api().queryParam("limit", 2).queryParam("cursor", first.<String>path("next_cursor")).get("/webhooks").then().statusCode(200)
                .body("items", hasSize(1)).body("next_cursor", nullValue())
                .extract().<List<String>>path("items.id").forEach(paged::add);
        assertEquals(all, paged);
        t.api().queryParam("limit", 1001).get("/webhooks").then().statusCode(400).contentType("application/problem+json");
        t.api().queryParam("limit", 0).get("/webhooks").then().statusCode(400).contentType("application/problem+json");
        t.api().queryParam("cursor", "garbage!").get("/webhooks").then().statusCode(400).contentType("application/problem+json");
    }
}
