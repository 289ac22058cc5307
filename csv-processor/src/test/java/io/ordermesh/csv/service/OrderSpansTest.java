package io.ordermesh.csv.service;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderSpansTest {

    /** order_id → its last line, for ids whose rows are scattered over {@code lines} lines. */
    private static Map<String, Long> scatter(OrderSpans spans, int ids, long lines, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Long> last = new HashMap<>();
        for (long line = 2; line <= lines; line++) {
            String id = "ORD-" + random.nextInt(ids);
            spans.note(id, line);
            last.put(id, line);
        }
        return last;
    }

    @Test
    void anOrderIsNeverTakenForCompleteBeforeItsLastRowEvenInAnOverfullTable() {
        // 1,024 slots for 20,000 ids: nearly every slot is shared, which may only delay an order.
        OrderSpans spans = new OrderSpans(1024);
        Map<String, Long> last = scatter(spans, 20_000, 100_000, 7);
        last.forEach((id, line) -> assertFalse(spans.endsBy(id, line - 1), id + " continues on line " + line));
    }

    @Test
    void withRoomMostOrdersAreKnownCompleteAtTheirLastRow() {
        OrderSpans spans = new OrderSpans(1 << 20);
        Map<String, Long> last = scatter(spans, 50_000, 200_000, 11);
        long known = last.entrySet().stream().filter(e -> spans.endsBy(e.getKey(), e.getValue())).count();
        last.forEach((id, line) -> assertFalse(spans.endsBy(id, line - 1), id));
        assertTrue(known >= last.size() * 0.99, known + " of " + last.size() + " known complete at their last row");
    }

    @Test
    void aLineBeyondTheTablesRangeKeepsItsOrderHeldToTheEnd() {
        OrderSpans spans = new OrderSpans(1024);
        spans.note("BIG", 3_000_000_000L);
        assertFalse(spans.endsBy("BIG", 2_999_999_999L));
        assertFalse(spans.endsBy("BIG", Long.MAX_VALUE - 1), "a line the table cannot hold is never taken as passed");
    }
}
