package io.ordermesh.testsupport;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged Ordermesh service (its {@code target/quarkus-app/quarkus-run.jar}) run as a separate
 * process on a free port, as operators run it: for tests that need another service, a heap limit
 * or {@code kill -9}. Output goes to {@code target/<module>-<run>-<port>.log} in the checkout.
 */
public final class ServiceProcess implements AutoCloseable {

    /** 90 s; {@code -Dordermesh.service.ready-timeout=PT5M} where many services start at once on a loaded machine. */
    private static final Duration READY_TIMEOUT = Duration.parse(System.getProperty("ordermesh.service.ready-timeout", "PT90S"));

    private final String module;
    private final int port;
    private final Path log;
    private final List<String> command;
    private Process process;

    private ServiceProcess(String module, int port, Path log, List<String> command) {
        this.module = module;
        this.port = port;
        this.log = log;
        this.command = command;
    }

    /** Starts {@code module} with {@code -Xmx<heap>} and the given system properties, and waits until it is ready. */
    public static ServiceProcess start(String module, String heap, Map<String, String> properties) {
        Path jar = TestStack.repositoryRoot().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package " + module + " first (./mvnw -pl " + module + " -am package -DskipTests)");
        }
        int port = freePort();
        Path log = TestStack.repositoryRoot().resolve("target/" + module + "-" + TestStack.RUN_ID + "-" + port + ".log");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx" + heap, "-XX:+UseSerialGC", "-Dquarkus.http.port=" + port, "-Dquarkus.log.console.json.enabled=false"));
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", jar.toString()));
        ServiceProcess p = new ServiceProcess(module, port, log, cmd);
        p.launch();
        return p;
    }

    private void launch() {
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Process started = process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly, module + "-stop"));
        awaitReady();
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook, no flush, nothing handed back. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the same command again (after {@link #kill()} or {@link #terminate}), on the same port. */
    public void restart() {
        launch();
    }

    /** Peak resident memory so far, from /proc (VmHWM), in MiB; -1 where /proc is not there. */
    public long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /**
     * How a {@link #terminate} ended: {@code took} from the signal to the exit, the exit code
     * (143 = 128 + SIGTERM after the shutdown hooks ran), and whether it exited by itself within the bound.
     */
    public record Exit(Duration took, int code, boolean inTime) {
    }

    /**
     * SIGTERM (what Kubernetes sends after preStop) and a wait of at most {@code bound} for the
     * process to exit; past the bound its threads are dumped into the log and it is killed, as the
     * kubelet would at the end of the grace period.
     */
    public Exit terminate(Duration bound) {
        long t0 = System.nanoTime();
        process.destroy();
        boolean inTime;
        try {
            inTime = process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
            if (!inTime) {
                // What held it up: SIGQUIT makes the JVM print every thread's stack into the log.
                new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
                Thread.sleep(1000);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException(e);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return new Exit(took, process.isAlive() ? -1 : process.exitValue(), inTime);
    }

    /** SIGTERM and a graceful wait, then kill. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            terminate(Duration.ofSeconds(30));
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(module + " exited during start-up, see " + log);
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
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
        throw new IllegalStateException(module + " not ready after " + READY_TIMEOUT.toSeconds() + " s, see " + log);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
