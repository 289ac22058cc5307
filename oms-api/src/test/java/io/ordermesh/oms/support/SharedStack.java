package io.ordermesh.oms.support;

import io.ordermesh.testsupport.TestStack;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stops and starts one component of the shared local stack, for the outage tests. Other engineers'
 * tests use the same servers: callers keep outages short and always start the component again in
 * a {@code finally} block.
 */
public final class SharedStack {

    private SharedStack() {
    }

    public static void down(String component) throws Exception {
        run("down", component);
    }

    public static void up(String component) throws Exception {
        run("up", component);
    }

    private static void run(String action, String component) throws Exception {
        String home = System.getProperty("ordermesh.stack-home", "/work/shared-stack");
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                TestStack.repositoryRoot().resolve("deploy/local-stack/target/local-stack.jar").toString(), action, component,
                "--home", home);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("local stack " + action + " " + component + " failed");
        }
    }
}
