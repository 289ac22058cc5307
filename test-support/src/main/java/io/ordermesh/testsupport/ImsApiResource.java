package io.ordermesh.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The real ims-api for the tests of services that call it: its packaged jar as a separate process
 * ({@link ServiceProcess}) against this run's own database. Sets {@code quarkus.rest-client.ims.url}
 * and {@code ordermesh.test.ims-url}. The module using it must build after ims-api (a
 * {@code pom}-type test dependency on ims-api with every transitive dependency excluded orders the
 * reactor without touching the class path).
 */
public class ImsApiResource implements QuarkusTestResourceLifecycleManager {

    private static volatile ServiceProcess current;
    private ServiceProcess ims;

    /** The ims-api of the running test class, for tests that take it away ({@code kill}) and bring it back ({@code restart}). */
    public static ServiceProcess current() {
        return current;
    }

    @Override
    public Map<String, String> start() {
        TestStack.ensureUp();
        ims = ServiceProcess.start("ims-api", "256m", Map.of("quarkus.datasource.jdbc.url", TestStack.postgresDatabase("ims")));
        current = ims;
        return Map.of("quarkus.rest-client.ims.url", ims.url(), "ordermesh.test.ims-url", ims.url());
    }

    @Override
    public void stop() {
        if (ims != null) {
            ims.close();
        }
    }
}
