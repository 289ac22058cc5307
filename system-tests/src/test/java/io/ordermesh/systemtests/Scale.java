package io.ordermesh.systemtests;

import java.time.Duration;

/**
 * Sizes of the scenarios: the figures times {@code -Dsystem.scale} (1.0 by default; 0.1 for
 * a quick run while developing, 5 or more for a long run on a bigger machine).
 */
public final class Scale {

    public static final double FACTOR = Double.parseDouble(System.getProperty("system.scale", "1.0"));

    private Scale() {
    }

    /** {@code n} scaled, at least {@code min}. */
    public static int of(int n, int min) {
        return Math.max(min, (int) Math.round(n * FACTOR));
    }

    /** How long the pipeline may take to settle: a floor plus time proportional to the work. */
    public static Duration settle(int orders) {
        return Duration.ofSeconds(180 + orders / 10);
    }
}
