package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrometheusTextTest {

    static final String SCRAPE = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="Tenured Gen"} 4.194304E7
            jvm_memory_used_bytes{area="heap",id="Eden Space"} 1.048576E7
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 6.2914560E7
            jvm_memory_used_bytes{area="nonheap",id="CodeHeap 'non-nmethods'"} 1048576.0
            process_resident_memory_bytes 2.68435456E8 1700000000000
            http_server_requests_seconds_bucket{method="POST",uri="/orders",le="+Inf"} 12.0
            weird_label{path="a \\"quoted\\" , comma",x="y"} 3
            ordermesh_finalizer_orders_total{outcome="allocated",} 1500.0
            not a sample line
            """;

    @Test
    void sumsTheSamplesOfAMetricWhoseLabelsMatch() {
        PrometheusText m = PrometheusText.parse(SCRAPE);
        assertEquals(52_428_800.0, m.sum("jvm_memory_used_bytes", Map.of("area", "heap")));
        assertEquals(63_963_136.0, m.sum("jvm_memory_used_bytes", Map.of("area", "nonheap")));
        assertEquals(52_428_800.0 + 63_963_136.0, m.sum("jvm_memory_used_bytes"));
    }

    @Test
    void readsValuesWithTimestampsInfinityAndTrailingCommas() {
        PrometheusText m = PrometheusText.parse(SCRAPE);
        assertEquals(268_435_456.0, m.sum("process_resident_memory_bytes"), "the timestamp after the value is not the value");
        assertEquals(12.0, m.sum("http_server_requests_seconds_bucket", Map.of("le", "+Inf")));
        assertEquals(1500.0, m.sum("ordermesh_finalizer_orders_total", Map.of("outcome", "allocated")));
    }

    @Test
    void unescapesQuotedLabelValuesWithCommas() {
        PrometheusText m = PrometheusText.parse(SCRAPE);
        assertEquals(3.0, m.sum("weird_label", Map.of("path", "a \"quoted\" , comma", "x", "y")));
    }

    @Test
    void anAbsentMetricIsNaNNotZeroAndGarbageIsSkipped() {
        PrometheusText m = PrometheusText.parse(SCRAPE);
        assertTrue(Double.isNaN(m.sum("no_such_metric")));
        assertTrue(Double.isNaN(m.sum("jvm_memory_used_bytes", Map.of("area", "offheap"))));
        assertEquals(8, m.samples().size());
    }
}
