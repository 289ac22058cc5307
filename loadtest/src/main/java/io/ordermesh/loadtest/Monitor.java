package io.ordermesh.loadtest;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Once a second during a run: the progress line (done, rate, ETA), a point of the throughput
 * series for the chart, and a scrape of every service's {@code /q/metrics} plus its resident
 * memory from {@code /proc/<pid>/status} when the pid is known (the services' Prometheus metrics
 * carry JVM heap and non-heap gauges but no RSS, and RSS is what a memory limit is about).
 */
final class Monitor implements AutoCloseable {

    /** One service to watch: its base URL and, if known, its pid. */
    record Watched(String name, String url, Long pid) {
    }

    /** Peaks seen during the run; -1 where the source was not available. */
    static final class Peak {
        double heapMib = -1;
        double nonHeapMib = -1;
        double rssMib = -1;
        double hwmMib = -1;
        int scrapes;
        String source = "none";
    }

    /** A count the run advances (rows ingested, orders finalized, ...) and its expected total (0 if open). */
    record Counter(String name, long total, LongSupplier done) {
    }

    /** One second of the run: the rate and the count of each counter, in their order. */
    record Point(double seconds, double[] rates, long[] done) {
    }

    private final Http http;
    private final List<Watched> services;
    private final List<Counter> counters;
    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, Peak> peaks = new LinkedHashMap<>();
    private final List<Point> series = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "loadtest-monitor");
        t.setDaemon(true);
        return t;
    });
    private final long t0 = System.nanoTime();
    private final long[] lastDone;
    private long lastNanos = t0;
    private long lastPrinted;

    Monitor(Http http, List<Watched> services, List<Counter> counters, PrintStream out) {
        this.http = http;
        this.services = services;
        this.counters = counters;
        this.lastDone = new long[counters.size()];
        this.out = out;
        this.terminal = System.console() != null;
        services.forEach(s -> peaks.put(s.name(), new Peak()));
    }

    Monitor start() {
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    private synchronized void tick() {
        try {
            long now = System.nanoTime();
            double elapsed = (now - t0) / 1e9;
            long[] d = new long[counters.size()];
            double[] rates = new double[counters.size()];
            for (int i = 0; i < d.length; i++) {
                d[i] = counters.get(i).done().getAsLong();
                rates[i] = (d[i] - lastDone[i]) / ((now - lastNanos) / 1e9);
            }
            series.add(new Point(elapsed, rates, d));
            System.arraycopy(d, 0, lastDone, 0, d.length);
            lastNanos = now;
            // The line shows the rate over the last 10 s: steadier than one second, and its ETA with it.
            Point back = series.get(Math.max(0, series.size() - 11));
            double[] window = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                window[i] = back == series.get(series.size() - 1) ? rates[i]
                        : (d[i] - back.done()[i]) / (elapsed - back.seconds());
            }
            progress(elapsed, d, window);
            for (Watched s : services) {
                sample(s, peaks.get(s.name()));
            }
        } catch (RuntimeException e) {
            // a failed sample must not stop the run
        }
    }

    /** e.g. {@code rows 40,000/100,000 812/s ETA 1m14s | finalized 31,000/58,000 640/s ETA 42s | elapsed 49.0s}. */
    static String progressLine(List<Counter> counters, long[] done, double[] rates, double elapsed) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < counters.size(); i++) {
            Counter c = counters.get(i);
            sb.append(c.name()).append(' ').append(String.format("%,d", done[i]));
            if (c.total() > 0) {
                sb.append('/').append(String.format("%,d", c.total()));
            }
            sb.append(String.format(" %,.0f/s", rates[i]));
            if (c.total() > 0 && done[i] < c.total()) {
                sb.append(" ETA ").append(rates[i] > 0 ? Report.duration((c.total() - done[i]) / rates[i]) : "?");
            }
            sb.append(" | ");
        }
        return sb.append("elapsed ").append(Report.duration(elapsed)).toString();
    }

    private void progress(double elapsed, long[] d, double[] rates) {
        String line = progressLine(counters, d, rates, elapsed);
        if (terminal) {
            out.print("\r" + line + "   ");
            out.flush();
        } else if (elapsed - lastPrinted >= 10) {
            lastPrinted = (long) elapsed;
            out.println(line);
        }
    }

    private void sample(Watched s, Peak p) {
        try {
            PrometheusText m = PrometheusText.scrape(http, s.url()).orElse(null);
            if (m != null) {
                p.heapMib = Math.max(p.heapMib, mib(m.sum("jvm_memory_used_bytes", Map.of("area", "heap"))));
                p.nonHeapMib = Math.max(p.nonHeapMib, mib(m.sum("jvm_memory_used_bytes", Map.of("area", "nonheap"))));
                double rss = m.sum("process_resident_memory_bytes");
                if (!Double.isNaN(rss)) {
                    p.rssMib = Math.max(p.rssMib, mib(rss));
                    p.source = "/q/metrics process_resident_memory_bytes";
                }
                p.scrapes++;
            }
        } catch (RuntimeException e) {
            // service busy or away for a moment: the next scrape counts
        }
        if (s.pid() != null) {
            Map<String, Long> status = procStatus(s.pid());
            if (status.containsKey("VmRSS")) {
                p.rssMib = Math.max(p.rssMib, status.get("VmRSS") / 1024.0);
                p.hwmMib = Math.max(p.hwmMib, status.getOrDefault("VmHWM", -1L) / 1024.0);
                p.source = "/proc/" + s.pid() + "/status VmRSS (VmHWM = peak since start)";
            }
        }
    }

    /** The kB fields of /proc/PID/status (VmRSS, VmHWM, ...); empty where there is no /proc or no such process. */
    static Map<String, Long> procStatus(long pid) {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Vm") && line.endsWith("kB")) {
                    int colon = line.indexOf(':');
                    out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1).replaceAll("\\D+", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /**
     * The pid the launcher recorded for {@code service} ({@code <home>/pids/<service>.pid}: the pid,
     * then the process's start time in clock ticks), if it is alive.
     */
    static Long pidFromDir(Path pidDir, String service) {
        if (pidDir == null) {
            return null;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidDir.resolve(service + ".pid")).trim().split("\\s+")[0]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? pid : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static double mib(double bytes) {
        return Double.isNaN(bytes) ? -1 : bytes / (1024 * 1024);
    }

    List<Counter> counters() {
        return counters;
    }

    synchronized List<Point> series() {
        return List.copyOf(series);
    }

    synchronized Map<String, Peak> peaks() {
        return peaks;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            tick();
            if (terminal) {
                out.println();
            }
        }
    }
}
