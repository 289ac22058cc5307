package io.ordermesh.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real ims-api for the tests of services that call it: its packaged jar, started as a separate
 * process (as operators run it) on a free port against this run's own database, stopped when the
 * test resource stops. Sets {@code quarkus.rest-client.ims.url} and {@code ordermesh.test.ims-url}.
 * The module using it must build after ims-api (a {@code pom}-type test dependency on ims-api with
 * every transitive dependency excluded orders the reactor without touching the class path).
 */
public class ImsApiResource implements QuarkusTestResourceLifecycleManager {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private Process process;

    @Override
    public Map<String, String> start() {
        TestStack.ensureUp();
        Path jar = TestStack.repositoryRoot().resolve("ims-api/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build ims-api first (./mvnw -pl ims-api -am package -DskipTests)");
        }
        int port = freePort();
        String jdbc = TestStack.postgresDatabase("ims");
        Path log = TestStack.repositoryRoot().resolve("target/ims-api-" + TestStack.RUN_ID + ".log");
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-Xmx256m", "-XX:+UseSerialGC",
                    "-Dquarkus.http.port=" + port,
                    "-Dquarkus.datasource.jdbc.url=" + jdbc,
                    "-Dquarkus.log.console.json.enabled=false",
                    "-jar", jar.toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, "ims-api-stop"));
        String url = "http://127.0.0.1:" + port;
        awaitReady(url, log);
        return Map.of("quarkus.rest-client.ims.url", url, "ordermesh.test.ims-url", url);
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private void awaitReady(String url, Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ims-api exited during start-up, see " + log);
            }
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("ims-api not ready after " + READY_TIMEOUT.toSeconds() + " s, see " + log);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
