package io.ordermesh.ims.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** ims-api's own settings (prefix {@code ordermesh.ims}). */
@ConfigMapping(prefix = "ordermesh.ims")
public interface ImsConfig {

    Cache cache();

    Allocation allocation();

    interface Cache {
        /** How long a catalogue entry stays cached; every change also evicts it at once. */
        @WithDefault("PT10M")
        Duration ttl();
    }

    interface Allocation {
        /** Attempts of one allocation transaction that PostgreSQL aborted (deadlock, serialization). */
        @WithDefault("5")
        int maxAttempts();
    }
}
