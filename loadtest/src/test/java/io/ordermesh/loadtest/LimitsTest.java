package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitsTest {

    @Test
    void aMeasurementTimesItsOperationsAfterAFifthAsManyUntimedWithNoIdUsedTwice() throws Exception {
        List<long[]> ranges = new ArrayList<>();
        double rate = Limits.steadyRate(1000, (from, n) -> {
            ranges.add(new long[] {from, n});
            Thread.sleep(n == 1000 ? 100 : 1000);
        });
        assertEquals(2, ranges.size());
        assertEquals(0, ranges.get(0)[0]);
        assertEquals(200, ranges.get(0)[1]);
        // The timed operations continue the ids (order ids, keys) where the warm-up stopped.
        assertEquals(200, ranges.get(1)[0]);
        assertEquals(1000, ranges.get(1)[1]);
        // 1,000 operations in a little over 100 ms: the rate of the timed part alone (with the
        // warm-up's second timed too it would be under 910/s).
        assertTrue(rate > 2_000 && rate <= 10_000, "rate " + rate);
    }
}
