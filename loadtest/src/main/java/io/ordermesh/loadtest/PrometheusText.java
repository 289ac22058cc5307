package io.ordermesh.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The samples of a Prometheus text exposition ({@code /q/metrics}): name, labels, value. */
final class PrometheusText {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    /** A service's {@code /q/metrics} now; empty when it does not answer 200 (busy or away). */
    static Optional<PrometheusText> scrape(Http http, String baseUrl) {
        Http.Answer a = http.get(baseUrl + "/q/metrics", null);
        return a.status() == 200 ? Optional.of(parse(a.body())) : Optional.empty();
    }

    static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String name;
            Map<String, String> labels = new LinkedHashMap<>();
            int brace = line.indexOf('{');
            int space;
            if (brace >= 0 && brace < line.indexOf(' ')) {
                name = line.substring(0, brace);
                int end = parseLabels(line, brace + 1, labels);
                space = end + 1;
            } else {
                space = line.indexOf(' ');
                if (space < 0) {
                    continue;
                }
                name = line.substring(0, space);
            }
            String rest = line.substring(space).strip();
            int sp = rest.indexOf(' ');
            String value = sp < 0 ? rest : rest.substring(0, sp); // an optional timestamp follows
            try {
                out.add(new Sample(name, labels, Double.parseDouble(value.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"))));
            } catch (NumberFormatException e) {
                // not a sample line (or a malformed one): skip it, a scrape must not fail a run
            }
        }
        return new PrometheusText(out);
    }

    /** Parses {@code a="x",b="y\"z"}} from {@code from}; answers the index of the closing brace. */
    private static int parseLabels(String line, int from, Map<String, String> labels) {
        int i = from;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).strip();
            int q = line.indexOf('"', eq) + 1;
            StringBuilder v = new StringBuilder();
            int j = q;
            while (j < line.length() && line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < line.length()) {
                    char n = line.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
                j++;
            }
            labels.put(key, v.toString());
            i = j + 1;
            while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                i++;
            }
        }
        return i;
    }

    List<Sample> samples() {
        return samples;
    }

    /** Sum over every sample of {@code name} whose labels include all of {@code match}; NaN if none. */
    double sum(String name, Map<String, String> match) {
        double total = 0;
        boolean any = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(match.entrySet())) {
                total += s.value();
                any = true;
            }
        }
        return any ? total : Double.NaN;
    }

    double sum(String name) {
        return sum(name, Map.of());
    }
}
