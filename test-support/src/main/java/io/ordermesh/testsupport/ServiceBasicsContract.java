package io.ordermesh.testsupport;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every Ordermesh service promises operators: readiness that checks its real stores and
 * brokers, liveness, Prometheus metrics, OpenAPI and Swagger UI. A service's test extends this
 * and names the readiness checks it must report.
 */
public abstract class ServiceBasicsContract {

    /** Names of the readiness checks that must be present and UP. */
    protected abstract List<String> requiredReadinessChecks();

    @Test
    void readinessReportsEveryStoreAndBrokerUp() {
        JsonPath health = given().when().get("/q/health/ready").then().statusCode(200).extract().jsonPath();
        assertEquals("UP", health.getString("status"));
        List<Map<String, Object>> checks = health.getList("checks");
        for (String required : requiredReadinessChecks()) {
            Map<String, Object> check = checks.stream().filter(c -> required.equals(c.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("readiness check '" + required + "' missing in " + checks));
            assertEquals("UP", check.get("status"), () -> required + " is not UP: " + check);
        }
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void exposesPrometheusMetrics() {
        String body = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(body.contains("jvm_memory_used_bytes"), "JVM memory gauge missing from /q/metrics");
        assertTrue(body.contains("# TYPE"), "not Prometheus text format");
    }

    @Test
    void servesOpenApiAndSwaggerUi() {
        String openapi = given().accept("application/json").when().get("/q/openapi").then().statusCode(200).extract().asString();
        assertTrue(openapi.contains("\"openapi\""), "no OpenAPI document at /q/openapi");
        given().redirects().follow(true).when().get("/q/swagger-ui/").then().statusCode(200);
    }

    static {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
    }
}
