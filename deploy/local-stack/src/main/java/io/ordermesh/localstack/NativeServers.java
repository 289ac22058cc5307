package io.ordermesh.localstack;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * PostgreSQL and Redis run as their own native binaries (shipped inside Maven jars), so the pid
 * the launcher records is the server itself: {@code down} and a test's {@code kill -9} act on it.
 */
final class NativeServers {

    private static final String PG_ARCHIVE = "postgres-linux-x86_64.txz";
    private static final String REDIS_BINARY = "redis-server-6.2.6-v5-linux-amd64";

    private NativeServers() {
    }

    /** The command line that runs the component in the foreground, preparing its files first. */
    static List<String> command(Component c, StackHome home) throws IOException, InterruptedException {
        return switch (c) {
            case POSTGRES -> postgres(home);
            case REDIS -> redis(home);
            default -> throw new IllegalArgumentException(c + " is not a native server");
        };
    }

    private static List<String> postgres(StackHome home) throws IOException, InterruptedException {
        Path base = postgresBase(home);
        Path pg = base.resolve("bin/postgres-17");
        if (!Files.exists(pg.resolve("bin/postgres"))) {
            extractTxz(PG_ARCHIVE, pg);
        }
        Path data = base.resolve("data/postgres");
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            Files.createDirectories(data);
            ownByServerUser(data);
            Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
            List<String> initdb = asServerUser(List.of(pg.resolve("bin/initdb").toString(), "-D", data.toString(),
                    "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"));
            run(initdb, home.log(Component.POSTGRES));
        }
        return asServerUser(List.of(pg.resolve("bin/postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(Component.POSTGRES.port),
                "-c", "listen_addresses=" + Component.HOST,
                "-c", "unix_socket_directories=" + data,
                "-c", "max_connections=300",
                "-c", "shared_buffers=128MB",
                // Local development: durability of the last few ms is traded for speed; a crash of
                // the OS (not of the server) may lose them.
                "-c", "synchronous_commit=off",
                "-c", "fsync=off"));
    }

    private static List<String> redis(StackHome home) throws IOException {
        Path bin = home.bin().resolve(REDIS_BINARY);
        if (!Files.exists(bin)) {
            Files.createDirectories(bin.getParent());
            try (InputStream in = resource(REDIS_BINARY)) {
                Path tmp = Files.createTempFile(bin.getParent(), "redis", ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, bin, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Path data = home.data(Component.REDIS);
        Files.createDirectories(data);
        // A cache only: no persistence, bounded memory with LRU eviction.
        return List.of(bin.toString(), "--bind", Component.HOST, "--port", Integer.toString(Component.REDIS.port),
                "--dir", data.toString(), "--save", "", "--appendonly", "no",
                "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru");
    }

    /**
     * Where PostgreSQL's binaries and data live: in the stack home, unless the server must run as
     * {@code nobody} and cannot reach the home (a checkout below a private directory such as
     * /root); then in a directory of its own under the system temp dir, one per stack home.
     */
    static Path postgresBase(StackHome home) throws IOException {
        if (!isRoot() || traversableByOthers(home.root())) {
            return home.root();
        }
        String key = Integer.toHexString(home.root().toString().hashCode());
        Path base = Path.of(System.getProperty("java.io.tmpdir"), "ordermesh-pg-" + key);
        Files.createDirectories(base);
        return base;
    }

    private static boolean traversableByOthers(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    /** PostgreSQL refuses to run as root; as root the server runs as {@code nobody}. */
    private static List<String> asServerUser(List<String> cmd) {
        if (!isRoot()) {
            return cmd;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
        wrapped.addAll(cmd);
        return wrapped;
    }

    private static void ownByServerUser(Path dir) throws IOException, InterruptedException {
        if (isRoot()) {
            run(List.of("chown", "-R", "nobody:nogroup", dir.toString()), null);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(List<String> cmd, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (log != null) {
            Files.createDirectories(log.getParent());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        } else {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        int rc = pb.start().waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + rc + (log != null ? ", see " + log : ""));
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = NativeServers.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path");
        }
        return in;
    }

    private static void extractTxz(String archive, Path target) throws IOException {
        Path tmp = Files.createTempDirectory(target.getParent() == null ? Path.of(".") : createParent(target), "extract");
        try (InputStream raw = resource(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path out = tmp.resolve(e.getName()).normalize();
                if (!out.startsWith(tmp)) {
                    throw new IOException("archive entry outside target: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString(
                            (e.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
        // createTempDirectory makes it owner-only; the server may run as another user.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Path createParent(Path target) throws IOException {
        return Files.createDirectories(target.getParent());
    }
}
