package io.ordermesh.oms.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/** Points oms-api's IMS client at {@link StubIms} (to be replaced by ImsApiResource from test-support). */
public class StubImsResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("quarkus.rest-client.ims.url", StubIms.start());
    }

    @Override
    public void stop() {
        // The stub lives as long as the JVM: every test class shares it.
    }
}
