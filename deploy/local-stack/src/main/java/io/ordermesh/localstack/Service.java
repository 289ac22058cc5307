package io.ordermesh.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** An Ordermesh service, run from its packaged fast-jar as a separate process. */
enum Service {
    IMS_API("ims-api", 8081),
    OMS_API("oms-api", 8080),
    CSV_PROCESSOR("csv-processor", 8082),
    ORDER_FINALIZER("order-finalizer", 8083),
    WEBHOOK_DISPATCHER("webhook-dispatcher", 8084);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final String id;
    final int port;

    Service(String id, int port) {
        this.id = id;
        this.port = port;
    }

    static Optional<Service> byId(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    Path jar(Path repositoryRoot) {
        return repositoryRoot.resolve(id).resolve("target/quarkus-app/quarkus-run.jar");
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Ready as the service itself sees it: every store and broker it needs answered. */
    boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    List<String> command(Path repositoryRoot, String java) {
        return List.of(java, "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Dquarkus.profile=prod,local", "-jar", jar(repositoryRoot).toString());
    }
}
