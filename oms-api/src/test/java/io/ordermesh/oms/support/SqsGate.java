package io.ordermesh.oms.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP gate between oms-api and the shared ElasticMQ (127.0.0.1:9324): bytes pass through to the
 * real server while open; {@link #close()} cuts every connection and refuses new ones, so one test
 * can take SQS away from this app without stopping the server other engineers' runs share.
 * As a test resource it points {@code quarkus.sqs.endpoint-override} at the gate.
 */
public class SqsGate implements QuarkusTestResourceLifecycleManager {

    private static final int SQS_PORT = 9324;
    private static final Set<Socket> SOCKETS = ConcurrentHashMap.newKeySet();
    private static volatile boolean open = true;
    private static ServerSocket server;

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread accept = new Thread(SqsGate::acceptLoop, "sqs-gate");
            accept.setDaemon(true);
            accept.start();
        }
        return Map.of("quarkus.sqs.endpoint-override", "http://127.0.0.1:" + server.getLocalPort());
    }

    @Override
    public void stop() {
        // Lives as long as the JVM: every test class shares the app and the gate.
    }

    /** SQS unreachable for this app: open connections are cut, new ones closed at once. */
    public static void close() {
        open = false;
        SOCKETS.forEach(SqsGate::quietly);
        SOCKETS.clear();
    }

    public static void open() {
        open = true;
    }

    private static void acceptLoop() {
        while (true) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (!open) {
                quietly(client);
                continue;
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), SQS_PORT);
                SOCKETS.add(client);
                SOCKETS.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                quietly(client);
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection cut
            } finally {
                quietly(from);
                quietly(to);
                SOCKETS.remove(from);
                SOCKETS.remove(to);
            }
        }, "sqs-gate-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void quietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
