package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's result for a person and for a machine: {@code <name>.md}, {@code <name>.json} and the
 * throughput chart {@code <name>.svg}, in the report directory.
 */
final class Report {

    /** A measured figure; {@code limit} (same unit) is the raw rate of the infrastructure underneath, if measured. */
    record Figure(String name, double value, String unit, Double limit, String limitName) {
        Double ratio() {
            return limit == null || limit <= 0 ? null : value / limit;
        }
    }

    record Check(String name, boolean passed, String detail) {
    }

    private final String command;
    private final Instant started = Instant.now();
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final List<Figure> figures = new ArrayList<>();
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, Object> latencyMs = new LinkedHashMap<>();
    private final Map<String, Long> statuses = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Map<String, Monitor.Peak> memory = Map.of();
    private List<Monitor.Point> series = List.of();
    private List<String> seriesNames = List.of();

    Report(String command) {
        this.command = command;
    }

    Report parameter(String name, Object value) {
        parameters.put(name, value);
        return this;
    }

    Report figure(String name, double value, String unit) {
        figures.add(new Figure(name, value, unit, null, null));
        return this;
    }

    Report figure(String name, double value, String unit, Double limit, String limitName) {
        figures.add(new Figure(name, value, unit, limit, limitName));
        return this;
    }

    Report check(String name, boolean passed, String detail) {
        checks.add(new Check(name, passed, detail));
        return this;
    }

    Report note(String note) {
        notes.add(note);
        return this;
    }

    /** p50, p90, p99, p99.9 and max of a histogram recorded in microseconds. */
    Report latency(Histogram micros) {
        latencyMs.put("count", micros.getTotalCount());
        for (double p : new double[] {50, 90, 99, 99.9}) {
            latencyMs.put("p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)),
                    micros.getValueAtPercentile(p) / 1000.0);
        }
        latencyMs.put("max", micros.getMaxValue() / 1000.0);
        latencyMs.put("mean", micros.getMean() / 1000.0);
        return this;
    }

    Report statuses(Map<String, Long> byStatus) {
        statuses.putAll(byStatus);
        return this;
    }

    Report monitor(Monitor m) {
        this.memory = m.peaks();
        this.series = m.series();
        this.seriesNames = m.counters().stream().map(Monitor.Counter::name).toList();
        return this;
    }

    List<Check> checks() {
        return checks;
    }

    List<Figure> figures() {
        return figures;
    }

    boolean passed() {
        return checks.stream().allMatch(Check::passed);
    }

    /** Writes the three files and answers the Markdown path. */
    Path write(Path dir) {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
        String name = command + "-" + stamp;
        try {
            Files.createDirectories(dir);
            Path svg = dir.resolve(name + ".svg");
            Files.writeString(svg, Chart.svg(command + ": throughput over time", seriesNames, series), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(name + ".json"), Http.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(toMap()), StandardCharsets.UTF_8);
            Path md = dir.resolve(name + ".md");
            Files.writeString(md, markdown(svg.getFileName().toString()), StandardCharsets.UTF_8);
            return md;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("started_at", started.toString());
        m.put("passed", passed());
        m.put("parameters", parameters);
        List<Map<String, Object>> figs = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("name", f.name());
            fm.put("value", f.value());
            fm.put("unit", f.unit());
            if (f.limit() != null) {
                fm.put("limit", f.limit());
                fm.put("limit_name", f.limitName());
                fm.put("ratio", f.ratio());
            }
            figs.add(fm);
        }
        m.put("figures", figs);
        if (!latencyMs.isEmpty()) {
            m.put("latency_ms", latencyMs);
        }
        if (!statuses.isEmpty()) {
            m.put("responses_by_status", statuses);
        }
        m.put("checks", checks.stream().map(c -> Map.of("name", c.name(), "passed", c.passed(), "detail", c.detail())).toList());
        Map<String, Object> mem = new LinkedHashMap<>();
        memory.forEach((svc, p) -> {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("peak_rss_mib", round(p.rssMib));
            pm.put("vm_hwm_mib", round(p.hwmMib));
            pm.put("peak_heap_used_mib", round(p.heapMib));
            pm.put("peak_nonheap_used_mib", round(p.nonHeapMib));
            pm.put("metrics_scrapes", p.scrapes);
            pm.put("rss_source", p.source);
            mem.put(svc, pm);
        });
        m.put("memory", mem);
        Map<String, Object> ser = new LinkedHashMap<>();
        for (int i = 0; i < seriesNames.size(); i++) {
            int k = i;
            ser.put(seriesNames.get(i), series.stream().map(p -> List.of(round(p.seconds()), round(p.rates()[k]), p.done()[k])).toList());
        }
        m.put("series_per_second", ser);
        m.put("notes", notes);
        return m;
    }

    String markdown(String chartFile) {
        StringBuilder sb = new StringBuilder();
        sb.append("# loadtest ").append(command).append(" — ").append(passed() ? "PASSED" : "FAILED").append("\n\n");
        sb.append("Started ").append(started).append(" UTC.");
        if (!parameters.isEmpty()) {
            sb.append(" Parameters: ");
            List<String> ps = new ArrayList<>();
            parameters.forEach((k, v) -> ps.add("`" + k + "=" + v + "`"));
            sb.append(String.join(", ", ps)).append('.');
        }
        sb.append("\n\n");
        if (!figures.isEmpty()) {
            sb.append("| figure | value | raw limit | ratio |\n| --- | ---: | ---: | ---: |\n");
            for (Figure f : figures) {
                sb.append("| ").append(f.name()).append(" | ").append(number(f.value())).append(' ').append(f.unit()).append(" | ");
                sb.append(f.limit() == null ? "—" : number(f.limit()) + " " + f.unit() + " (" + f.limitName() + ")").append(" | ");
                sb.append(f.ratio() == null ? "—" : String.format(Locale.ROOT, "%.2f", f.ratio())).append(" |\n");
            }
            sb.append('\n');
        }
        if (!latencyMs.isEmpty()) {
            sb.append("Latency (ms): ");
            List<String> ls = new ArrayList<>();
            latencyMs.forEach((k, v) -> ls.add(k + " " + (v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v)));
            sb.append(String.join(", ", ls)).append("\n\n");
        }
        if (!statuses.isEmpty()) {
            sb.append("Responses by status: ");
            List<String> ss = new ArrayList<>();
            statuses.forEach((k, v) -> ss.add(k + ": " + String.format("%,d", v)));
            sb.append(String.join(", ", ss)).append("\n\n");
        }
        if (!checks.isEmpty()) {
            sb.append("| check | result | detail |\n| --- | --- | --- |\n");
            for (Check c : checks) {
                sb.append("| ").append(c.name()).append(" | ").append(c.passed() ? "pass" : "**FAIL**").append(" | ")
                        .append(c.detail()).append(" |\n");
            }
            sb.append('\n');
        }
        if (!memory.isEmpty()) {
            sb.append("| service | peak RSS (MiB) | VmHWM (MiB) | peak heap used (MiB) | peak non-heap (MiB) | RSS source |\n")
                    .append("| --- | ---: | ---: | ---: | ---: | --- |\n");
            memory.forEach((svc, p) -> sb.append("| ").append(svc).append(" | ").append(mibText(p.rssMib)).append(" | ")
                    .append(mibText(p.hwmMib)).append(" | ").append(mibText(p.heapMib)).append(" | ").append(mibText(p.nonHeapMib))
                    .append(" | ").append(p.source).append(" |\n"));
            sb.append('\n');
        }
        sb.append("![throughput over time](").append(chartFile).append(")\n\n");
        for (String n : notes) {
            sb.append("- ").append(n).append('\n');
        }
        return sb.toString();
    }

    static String duration(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : String.format(Locale.ROOT, "%.1fs", seconds);
    }

    private static String number(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%,.2f", v);
    }

    private static String mibText(double v) {
        return v < 0 ? "—" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
