package io.ordermesh.common.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Kafka topic names, shared by every producer and consumer of order events. */
@ConfigMapping(prefix = "ordermesh.topics")
public interface Topics {

    @WithDefault("order.created")
    String orderCreated();

    @WithDefault("order.updated")
    String orderUpdated();

    /** Where a consumer parks a record it can never process, with the reason in a header. */
    @WithDefault("order.created.dlq")
    String orderCreatedDlq();
}
