package io.ordermesh.oms;

import io.ordermesh.oms.support.TestTenant;
import io.ordermesh.testsupport.ImsApiResource;
import io.ordermesh.testsupport.TestStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedWriter;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged oms-api with a 128 MB heap takes a 50 MB CSV: the multipart part goes to a
 * temporary file and from there to S3, so the heap never holds the file. Runs in the
 * integration-test phase (after packaging), against the real local stack.
 */
class LargeUploadIT {

    private static Process app;
    private static String base;
    private static Path log;
    private static ImsApiResource imsApi;
    private static String ims;

    @BeforeAll
    static void startPackagedApp() throws Exception {
        TestStack.ensureUp();
        String queue = TestStack.sqsQueue("ordermesh-bulk-orders", 3);
        imsApi = new ImsApiResource();
        ims = imsApi.start().get("ordermesh.test.ims-url");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        log = Path.of("target/large-upload-it.log");
        app = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Dquarkus.profile=test", "-Dquarkus.http.port=" + port,
                "-Dordermesh.test.run-id=" + TestStack.RUN_ID, "-Dordermesh.bulk.queue=" + queue,
                "-Dquarkus.rest-client.ims.url=" + ims, "-Dordermesh.oms.uploads.max-bytes=209715200", "-jar", jar.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(90);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            if (!app.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("oms-api did not become ready; see " + log.toAbsolutePath());
            }
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.destroy();
            app.waitFor();
        }
        if (imsApi != null) {
            imsApi.stop();
        }
    }

    @Test
    void a50MegabyteCsvUploadsWithA128MegabyteHeap() throws Exception {
        TestTenant t = TestTenant.create(ims);
        Path csv = Files.createTempFile("large", ".csv");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(csv)) {
                w.write("order_id,sku_id,quantity,seller_id,hub_id,price\n");
                long i = 0;
                while (Files.size(csv) < 50L * 1024 * 1024 || i % 10_000 != 0) {
                    w.write("ord-" + i + "," + t.skus().get(0) + ",1," + t.seller() + "," + t.hub() + ",9.99\n");
                    if (++i % 10_000 == 0) {
                        w.flush();
                    }
                }
            }
            long size = Files.size(csv);
            assertTrue(size >= 50L * 1024 * 1024);
            String boundary = "----ordermesh" + UUID.randomUUID();
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"large.csv\"\r\n"
                    + "Content-Type: text/csv\r\n\r\n";
            String tail = "\r\n--" + boundary + "--\r\n";
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/orders/upload"))
                    .header("X-Tenant-ID", t.id().toString())
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .timeout(Duration.ofMinutes(3))
                    .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head),
                            HttpRequest.BodyPublishers.ofFile(csv), HttpRequest.BodyPublishers.ofString(tail)))
                    .build();
            long start = System.nanoTime();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(202, response.statusCode(), response.body());
            assertTrue(app.isAlive(), "oms-api died (out of memory?)");
            Matcher id = Pattern.compile("\"upload_id\":\"([^\"]+)\"").matcher(response.body());
            assertTrue(id.find(), response.body());
            String status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/orders/uploads/" + id.group(1)))
                    .header("X-Tenant-ID", t.id().toString()).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(status.contains("\"size_bytes\":" + size), status);
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            System.out.printf("LargeUploadIT: %d bytes uploaded in %d ms (%.1f MB/s) with -Xmx128m; heap max %s%n", size, millis,
                    size / 1048576.0 / (millis / 1000.0), heapMax(metrics));
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    private static String heapMax(String metrics) {
        return metrics.lines().filter(l -> l.startsWith("jvm_memory_max_bytes") && l.contains("area=\"heap\""))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).reduce((a, b) -> a + "+" + b).orElse("?");
    }
}
