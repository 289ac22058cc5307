package io.ordermesh.common.config;

import io.smallrye.config.ConfigMapping;

import java.util.List;
import java.util.Optional;

/**
 * Operator allow-list for webhook callback hosts (oms-api on registration, webhook-dispatcher at
 * send time). Hosts listed here may use plain http and may resolve to loopback or private
 * addresses. Production lists none; tests and the local profile list 127.0.0.1 and localhost.
 */
@ConfigMapping(prefix = "ordermesh.webhooks")
public interface WebhookTargets {

    Optional<List<String>> allowedHosts();
}
