package io.ordermesh.common.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where bulk-order CSVs and error files live and the queue that announces uploads (oms-api, csv-processor). */
@ConfigMapping(prefix = "ordermesh.bulk")
public interface BulkStorage {

    @WithDefault("ordermesh")
    String bucket();

    @WithDefault("ordermesh-bulk-orders")
    String queue();
}
