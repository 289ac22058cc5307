package io.ordermesh.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {

    @TempDir
    Path dir;

    private static Report sample() {
        Histogram h = new Histogram(60_000_000L, 3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 1000L); // 1 ms .. 1000 ms
        }
        return new Report("orders").parameter("concurrency", 64)
                .figure("POST /orders created", 250, "orders/s", 1000.0, "slower of MongoDB bulk insert and Kafka produce")
                .figure("p99 latency", 990, "ms")
                .latency(h).statuses(Map.of("201", 999L, "io-error", 1L))
                .check("every order created (201)", false, "999 of 1000 answered 201");
    }

    @Test
    void markdownShowsFiguresWithLimitAndRatioLatenciesStatusesAndAFailedCheck() throws Exception {
        Path md = sample().write(dir);
        String text = Files.readString(md);
        assertTrue(text.startsWith("# loadtest orders — FAILED"), text);
        assertTrue(text.contains("| POST /orders created | 250 orders/s | 1,000 orders/s (slower of MongoDB bulk insert and Kafka produce) | 0.25 |"), text);
        assertTrue(text.contains("p99 990."), text);
        assertTrue(text.contains("p99.9 999."), text);
        assertTrue(text.contains("io-error: 1"), text);
        assertTrue(text.contains("| every order created (201) | **FAIL** | 999 of 1000 answered 201 |"), text);
        assertTrue(text.contains("![throughput over time](" + md.getFileName().toString().replace(".md", ".svg") + ")"), text);
    }

    @Test
    void jsonCarriesTheSameFiguresRatiosPercentilesAndVerdict() throws Exception {
        Path md = sample().write(dir);
        JsonNode json = Http.JSON.readTree(md.resolveSibling(md.getFileName().toString().replace(".md", ".json")).toFile());
        assertFalse(json.get("passed").asBoolean());
        assertEquals(64, json.get("parameters").get("concurrency").asInt());
        assertEquals(0.25, json.get("figures").get(0).get("ratio").asDouble(), 1e-9);
        assertFalse(json.get("figures").get(1).has("ratio"));
        assertEquals(500.0, json.get("latency_ms").get("p50").asDouble(), 1.0);
        assertEquals(1000.0, json.get("latency_ms").get("max").asDouble(), 1.0);
        assertEquals(999, json.get("responses_by_status").get("201").asLong());
    }

    @Test
    void theChartIsWellFormedSvgWithOneLinePerCounterAndALegend() throws Exception {
        List<Monitor.Point> points = List.of(new Monitor.Point(1, new double[] {100, 0}, new long[] {100, 0}),
                new Monitor.Point(2, new double[] {300, 50}, new long[] {400, 50}),
                new Monitor.Point(3, new double[] {250, 80}, new long[] {650, 130}));
        String svg = Chart.svg("csv: throughput <over> time", List.of("rows", "finalized"), points);
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new java.io.ByteArrayInputStream(svg.getBytes()));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        assertEquals(2, doc.getElementsByTagName("polyline").getLength());
        assertTrue(svg.contains(">rows/s<") && svg.contains(">finalized/s<"), svg);
        assertTrue(svg.contains("&lt;over&gt;"), "the title is escaped");
        String firstLine = ((org.w3c.dom.Element) doc.getElementsByTagName("polyline").item(0)).getAttribute("points");
        assertEquals(3, firstLine.trim().split(" ").length);
    }

    @Test
    void axisMaximumIsARoundNumberAtOrAboveThePeak() {
        assertEquals(500, Chart.niceCeiling(312));
        assertEquals(1000, Chart.niceCeiling(1000));
        assertEquals(2000, Chart.niceCeiling(1001));
        assertEquals(1, Chart.niceCeiling(0));
    }

    @Test
    void progressLineShowsCountsRatesAndEtaOfEachCounter() {
        String line = Monitor.progressLine(List.of(new Monitor.Counter("rows", 100_000, () -> 0), new Monitor.Counter("webhooks", 0, () -> 0)),
                new long[] {40_000, 12}, new double[] {1000, 3}, 49);
        assertEquals("rows 40,000/100,000 1,000/s ETA 1m00s | webhooks 12 3/s | elapsed 49.0s", line);
    }
}
