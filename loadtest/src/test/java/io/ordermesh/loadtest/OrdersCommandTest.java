package io.ordermesh.loadtest;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class OrdersCommandTest {

    /** Without limits.json both raw figures are missing; a csv run used to end in a NullPointerException there. */
    @Test
    void theSmallerOfMissingFiguresIsMissingAndOfOneIsThatOne() {
        assertNull(OrdersCommand.min(null, null));
        assertEquals(3.0, OrdersCommand.min(null, 3.0));
        assertEquals(2.0, OrdersCommand.min(2.0, null));
        assertEquals(2.0, OrdersCommand.min(5.0, 2.0));
    }
}
