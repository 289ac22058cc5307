package io.ordermesh.localstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** One server of the local stack. Each runs as its own OS process so it can be stopped or killed alone. */
enum Component {
    POSTGRES(5432, false, "256m", false),
    REDIS(6379, false, null, false),
    // mongo-java-server holds a query's whole result (and an open cursor's rest) in its heap: a
    // million-row upload's end-of-file queries need more than the others' small heaps.
    // It is also the suite's busiest server (every order and delivery goes through its H2 pages),
    // so it gets the optimising compiler (a few seconds more start-up, more throughput) and the
    // parallel collector: H2 keeps each changed page until its next commit and each page read in
    // its cache, objects that outlive a small young generation, and with the serial collector the
    // server spent about 40 % of a million-order run collecting (MongoStoreBenchmark). 3 GB: at 2 GB its
    // old generation stayed full during a million-row upload, 59 full collections stalling every client.
    MONGO(27017, true, "3g", true),
    S3(9000, true, "192m", false),
    SQS(9324, true, "192m", false),
    KAFKA(9092, true, "384m", false);

    static final String HOST = "127.0.0.1";

    final int port;
    /** True when the server runs inside a JVM started from this jar, false for a native binary. */
    final boolean jvm;
    final String maxHeap;
    /**
     * A JVM server compiled with C2 too, collected by the parallel collector and with Netty's
     * buffer checks off; the others stop at C1, which starts them faster, and use the serial
     * collector, which has the smallest footprint.
     */
    final boolean optimised;

    Component(int port, boolean jvm, String maxHeap, boolean optimised) {
        this.port = port;
        this.jvm = jvm;
        this.maxHeap = maxHeap;
        this.optimised = optimised;
    }

    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Component> byId(String id) {
        return Arrays.stream(values()).filter(c -> c.id().equals(id)).findFirst();
    }

    static List<Component> parse(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of(values());
        }
        return ids.stream()
                .map(id -> byId(id).orElseThrow(() -> new IllegalArgumentException(
                        "unknown component '" + id + "', expected one of " + Arrays.toString(values()).toLowerCase(Locale.ROOT))))
                .toList();
    }

    boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
