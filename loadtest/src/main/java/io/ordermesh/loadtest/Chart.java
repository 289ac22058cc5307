package io.ordermesh.loadtest;

import java.util.List;
import java.util.Locale;

/** A plain SVG line chart of a rate over time: no library, opens in any browser or Markdown viewer. */
final class Chart {

    private static final int W = 800;
    private static final int H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 50;

    private Chart() {
    }

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

    static String svg(String title, List<String> names, List<Monitor.Point> points) {
        double maxT = points.stream().mapToDouble(Monitor.Point::seconds).max().orElse(1);
        double maxR = niceCeiling(points.stream().flatMapToDouble(p -> java.util.Arrays.stream(p.rates()))
                .filter(r -> !Double.isNaN(r) && !Double.isInfinite(r)).max().orElse(1));
        maxT = Math.max(maxT, 1);
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
                + " font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        sb.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        for (int i = 0; i <= 4; i++) {
            double v = maxR * i / 4;
            double y = TOP + ph - ph * i / 4.0;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, W - RIGHT, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4, label(v)));
        }
        for (int i = 0; i <= 5; i++) {
            double t = maxT * i / 5;
            double x = LEFT + pw * i / 5.0;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, H - BOTTOM + 18,
                    Report.duration(t)));
        }
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP + ph, W - RIGHT, TOP + ph));
        sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP, LEFT, TOP + ph));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">elapsed</text>%n", LEFT + pw / 2, H - 12));
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">%s</text>%n",
                TOP + ph / 2, TOP + ph / 2, "per second"));
        for (int k = 0; k < names.size(); k++) {
            String color = COLORS[k % COLORS.length];
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", W - RIGHT - 200, TOP + 6 + 16 * k, color, W - RIGHT - 182, TOP + 11 + 16 * k,
                    escape(names.get(k) + "/s")));
            if (points.isEmpty()) {
                continue;
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\" points=\"");
            for (Monitor.Point p : points) {
                double r = k < p.rates().length && Double.isFinite(p.rates()[k]) ? p.rates()[k] : 0;
                sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + pw * p.seconds() / maxT, TOP + ph - ph * r / maxR));
            }
            sb.append("\"/>\n");
        }
        return sb.append("</svg>\n").toString();
    }

    /** 1, 2, 5 × 10^n at or above {@code v}: round axis labels. */
    static double niceCeiling(double v) {
        if (v <= 0 || Double.isNaN(v)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v >= 10_000 ? String.format(Locale.ROOT, "%.0fk", v / 1000) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
