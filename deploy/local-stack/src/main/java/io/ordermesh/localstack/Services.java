package io.ordermesh.localstack;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Starts, stops and reports the five services as separate processes, like an operator would run them. */
final class Services {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private Services() {
    }

    static void up(StackHome home, List<Service> services) throws IOException, InterruptedException {
        if (services.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        Path root = repositoryRoot();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Service> started = new ArrayList<>();
        try {
            for (Service s : services) {
                if (home.process(s.id).isPresent() || s.ready()) {
                    continue;
                }
                if (!Files.exists(s.jar(root))) {
                    throw new IOException(s.jar(root) + " is missing: build with ./mvnw -DskipTests package");
                }
                Process p = LocalStack.spawn(s.command(root, java), home.log(s.id));
                home.writePid(s.id, p.pid());
                started.add(s);
            }
            long deadline = t0 + READY_TIMEOUT.toNanos();
            for (Service s : services) {
                while (!s.ready()) {
                    if (home.process(s.id).isEmpty()) {
                        throw new IOException(s.id + " exited during start-up, see " + home.log(s.id));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException(s.id + " not ready after " + READY_TIMEOUT.toSeconds() + " s, see " + home.log(s.id));
                    }
                    Thread.sleep(200);
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // Stop the services this call started; the infrastructure stays up for the next try.
            try {
                down(home, started);
            } catch (InterruptedException | RuntimeException stopping) {
                e.addSuppressed(stopping);
            }
            throw e;
        }
        System.out.printf("services ready in %.1f s (started %d of %d)%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) / 1000.0, started.size(), services.size());
    }

    /** SIGTERM first: each service finishes or hands back its in-flight work before it exits. */
    static void down(StackHome home, List<Service> services) throws InterruptedException {
        List<ProcessHandle> stopping = new ArrayList<>();
        List<Service> named = new ArrayList<>();
        for (Service s : services) {
            Optional<ProcessHandle> p = home.process(s.id);
            if (p.isPresent()) {
                p.get().destroy();
                stopping.add(p.get());
                named.add(s);
            }
        }
        for (int i = 0; i < stopping.size(); i++) {
            LocalStack.awaitExit(named.get(i).id, stopping.get(i));
            home.clearPid(named.get(i).id);
            System.out.println("stopped " + named.get(i).id);
        }
    }

    static boolean status(StackHome home) {
        boolean all = true;
        for (Service s : Service.values()) {
            boolean ready = s.ready();
            all &= ready;
            System.out.printf("%-18s %-5s %s/q/swagger-ui %s%n", s.id, ready ? "ready" : "down", s.url(),
                    home.process(s.id).map(h -> "pid " + h.pid()).orElse(""));
        }
        return all;
    }

    /** The checkout this launcher was built in: the jar lives at deploy/local-stack/target/. */
    static Path repositoryRoot() throws IOException {
        String prop = System.getProperty("ordermesh.root");
        if (prop != null) {
            return Path.of(prop).toAbsolutePath();
        }
        try {
            Path self = Path.of(LocalStack.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = self; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("deploy/local-stack"))) {
                    return p;
                }
            }
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        throw new IOException("cannot find the Ordermesh checkout; pass -Dordermesh.root=DIR");
    }
}
