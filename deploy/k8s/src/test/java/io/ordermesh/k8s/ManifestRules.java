package io.ordermesh.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rules every rendered Ordermesh manifest set must keep. Each check answers the list of
 * violations (empty when all is well), so the tests can assert both that the real manifests pass
 * and that a broken manifest is caught.
 */
final class ManifestRules {

    /** Infrastructure a service talks to, and the variables that point it there in a cluster. */
    enum Infra {
        POSTGRES("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "QUARKUS_DATASOURCE_PASSWORD"),
        REDIS("QUARKUS_REDIS_HOSTS"),
        MONGODB("QUARKUS_MONGODB_CONNECTION_STRING", "QUARKUS_MONGODB_DATABASE"),
        KAFKA("KAFKA_BOOTSTRAP_SERVERS", "ORDERMESH_TOPICS_ORDER_CREATED", "ORDERMESH_TOPICS_ORDER_UPDATED"),
        S3("QUARKUS_S3_ENDPOINT_OVERRIDE", "QUARKUS_S3_AWS_REGION", "ORDERMESH_BULK_BUCKET"),
        SQS("QUARKUS_SQS_ENDPOINT_OVERRIDE", "QUARKUS_SQS_AWS_REGION", "ORDERMESH_BULK_QUEUE"),
        IMS("QUARKUS_REST_CLIENT_IMS_URL");

        final List<String> variables;

        Infra(String... variables) {
            this.variables = List.of(variables);
        }
    }

    /** Who talks to what (DESIGN.md, "Services and stores"); every service also listens on 0.0.0.0. */
    static final Map<String, Set<Infra>> NEEDS = Map.of(
            "ims-api", Set.of(Infra.POSTGRES, Infra.REDIS),
            "oms-api", Set.of(Infra.MONGODB, Infra.S3, Infra.SQS, Infra.KAFKA, Infra.REDIS, Infra.IMS),
            "csv-processor", Set.of(Infra.S3, Infra.SQS, Infra.MONGODB, Infra.KAFKA, Infra.REDIS, Infra.IMS),
            "order-finalizer", Set.of(Infra.KAFKA, Infra.MONGODB, Infra.IMS),
            "webhook-dispatcher", Set.of(Infra.KAFKA, Infra.MONGODB));

    /** The Secrets an operator creates (README.md, section Kubernetes) and their keys. */
    static final Map<String, Set<String>> SECRETS = Map.of(
            "ordermesh-postgres", Set.of("username", "password"),
            "ordermesh-mongodb", Set.of("username", "password"),
            "ordermesh-redis", Set.of("password"),
            "ordermesh-aws", Set.of("access-key-id", "secret-access-key"));

    static final Set<String> REQUIRED_LABELS = Set.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/version");

    private final List<HasMetadata> all;

    ManifestRules(List<HasMetadata> all) {
        this.all = all;
    }

    <T extends HasMetadata> List<T> of(Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<GenericKubernetesResource> custom(String kind) {
        return all.stream().filter(r -> r instanceof GenericKubernetesResource && kind.equals(r.getKind()))
                .map(GenericKubernetesResource.class::cast).toList();
    }

    Optional<Deployment> deployment(String name) {
        return of(Deployment.class).stream().filter(d -> name.equals(d.getMetadata().getName())).findFirst();
    }

    // ---- containers -------------------------------------------------------------------------

    /**
     * Probes on the Quarkus health endpoints, requests and limits, a non-root, read-only,
     * capability-less context, a writable /tmp, and a grace period that covers the preStop sleep
     * plus the service's shutdown bound (quarkus.shutdown.timeout + ordermesh.shutdown.drain).
     */
    List<String> containers(Map<String, Integer> shutdownSecondsByService) {
        List<String> v = new ArrayList<>();
        for (Deployment d : of(Deployment.class)) {
            String dn = "Deployment " + d.getMetadata().getName();
            PodSpec pod = d.getSpec().getTemplate().getSpec();
            PodSecurityContext psc = pod.getSecurityContext();
            List<Container> all = new ArrayList<>(pod.getContainers());
            if (pod.getInitContainers() != null) {
                all.addAll(pod.getInitContainers());
            }
            for (Container c : all) {
                String cn = dn + " container " + c.getName();
                probe(v, cn, "livenessProbe", c.getLivenessProbe(), Set.of("/q/health/live"), c);
                probe(v, cn, "readinessProbe", c.getReadinessProbe(), Set.of("/q/health/ready"), c);
                probe(v, cn, "startupProbe", c.getStartupProbe(), Set.of("/q/health/started", "/q/health/live"), c);
                var res = c.getResources();
                for (String r : List.of("cpu", "memory")) {
                    Quantity req = res == null || res.getRequests() == null ? null : res.getRequests().get(r);
                    Quantity lim = res == null || res.getLimits() == null ? null : res.getLimits().get(r);
                    if (req == null) {
                        v.add(cn + ": no " + r + " request");
                    }
                    if (lim == null) {
                        v.add(cn + ": no " + r + " limit");
                    }
                    if (req != null && lim != null && req.getNumericalAmount().compareTo(lim.getNumericalAmount()) > 0) {
                        v.add(cn + ": " + r + " request " + req + " above limit " + lim);
                    }
                }
                SecurityContext sc = c.getSecurityContext();
                Boolean nonRoot = sc != null && sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot()
                        : psc == null ? null : psc.getRunAsNonRoot();
                Long user = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                        : psc == null ? null : psc.getRunAsUser();
                if (!Boolean.TRUE.equals(nonRoot)) {
                    v.add(cn + ": runAsNonRoot is not true");
                }
                if (user == null || user == 0) {
                    v.add(cn + ": runAsUser is not a non-root uid");
                }
                if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                    v.add(cn + ": allowPrivilegeEscalation is not false");
                }
                if (sc == null || Boolean.TRUE.equals(sc.getPrivileged())) {
                    v.add(cn + ": privileged or no security context");
                }
                if (sc == null || sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null
                        || !sc.getCapabilities().getDrop().contains("ALL")) {
                    v.add(cn + ": capabilities do not drop ALL");
                }
                if (sc == null || !Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                    v.add(cn + ": root filesystem is not read-only");
                }
                String seccomp = sc != null && sc.getSeccompProfile() != null ? sc.getSeccompProfile().getType()
                        : psc != null && psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
                if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                    v.add(cn + ": no seccomp profile (RuntimeDefault)");
                }
                var tmp = c.getVolumeMounts() == null ? null : c.getVolumeMounts().stream()
                        .filter(m -> "/tmp".equals(m.getMountPath())).findFirst().orElse(null);
                Volume vol = tmp == null || pod.getVolumes() == null ? null : pod.getVolumes().stream()
                        .filter(x -> x.getName().equals(tmp.getName())).findFirst().orElse(null);
                if (vol == null || vol.getEmptyDir() == null) {
                    v.add(cn + ": /tmp is not an emptyDir (Quarkus and uploads need a writable /tmp)");
                } else {
                    Quantity size = vol.getEmptyDir().getSizeLimit();
                    Quantity eph = res == null || res.getLimits() == null ? null : res.getLimits().get("ephemeral-storage");
                    if (size != null && eph != null && size.getNumericalAmount().compareTo(eph.getNumericalAmount()) > 0) {
                        v.add(cn + ": /tmp sizeLimit " + size + " above the ephemeral-storage limit " + eph);
                    }
                }
            }
            // Graceful termination: endpoints drain during preStop, then Quarkus and the worker get their shutdown bound.
            Container main = pod.getContainers().get(0);
            long preStop = preStopSleepSeconds(main);
            if (preStop <= 0) {
                v.add(dn + ": no preStop sleep to let endpoints drain");
            }
            int shutdown = shutdownSecondsByService.getOrDefault(d.getMetadata().getName(), 30);
            long grace = pod.getTerminationGracePeriodSeconds() == null ? 30 : pod.getTerminationGracePeriodSeconds();
            if (grace < preStop + shutdown + 5) {
                v.add(dn + ": terminationGracePeriodSeconds " + grace + " < preStop " + preStop
                        + " s + shutdown bound " + shutdown + " s + 5 s");
            }
        }
        return v;
    }

    static long preStopSleepSeconds(Container c) {
        if (c.getLifecycle() == null || c.getLifecycle().getPreStop() == null) {
            return 0;
        }
        var pre = c.getLifecycle().getPreStop();
        if (pre.getSleep() != null && pre.getSleep().getSeconds() != null) {
            return pre.getSleep().getSeconds();
        }
        if (pre.getExec() != null && pre.getExec().getCommand() != null) {
            List<String> cmd = pre.getExec().getCommand();
            for (int i = 0; i < cmd.size(); i++) {
                var m = java.util.regex.Pattern.compile("(?:^|\\s)sleep\\s+(\\d+)").matcher(String.join(" ", cmd.subList(i, cmd.size())));
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        return 0;
    }

    private static void probe(List<String> v, String cn, String kind, Probe p, Set<String> paths, Container c) {
        if (p == null) {
            v.add(cn + ": no " + kind);
            return;
        }
        if (p.getHttpGet() == null) {
            v.add(cn + ": " + kind + " is not an HTTP probe");
            return;
        }
        if (!paths.contains(p.getHttpGet().getPath())) {
            v.add(cn + ": " + kind + " path " + p.getHttpGet().getPath() + " is not one of " + paths);
        }
        if (!portDeclared(c, p.getHttpGet().getPort())) {
            v.add(cn + ": " + kind + " port " + show(p.getHttpGet().getPort()) + " is not a container port");
        }
    }

    static String show(IntOrString port) {
        return port == null ? "null" : port.getStrVal() != null ? port.getStrVal() : String.valueOf(port.getIntVal());
    }

    static boolean portDeclared(Container c, IntOrString port) {
        if (port == null || c.getPorts() == null) {
            return false;
        }
        return c.getPorts().stream().anyMatch(cp -> port.getStrVal() != null ? port.getStrVal().equals(cp.getName())
                : Objects.equals(port.getIntVal(), cp.getContainerPort()));
    }

    // ---- labels and selectors -----------------------------------------------------------------

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels != null
                && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    static Map<String, String> matchLabels(LabelSelector s) {
        if (s == null) {
            return Map.of();
        }
        if (s.getMatchExpressions() != null && !s.getMatchExpressions().isEmpty()) {
            throw new IllegalArgumentException("matchExpressions are not used in these manifests");
        }
        return s.getMatchLabels() == null ? Map.of() : s.getMatchLabels();
    }

    /** Deployments select their own pods; Services, PDBs, spread and anti-affinity select real pods. */
    List<String> selectors() {
        List<String> v = new ArrayList<>();
        List<Deployment> deployments = of(Deployment.class);
        for (Deployment d : deployments) {
            String dn = "Deployment " + d.getMetadata().getName();
            Map<String, String> pods = d.getSpec().getTemplate().getMetadata().getLabels();
            if (!matches(matchLabels(d.getSpec().getSelector()), pods)) {
                v.add(dn + ": selector does not match its pod template labels");
            }
            for (String l : REQUIRED_LABELS) {
                if (pods == null || !pods.containsKey(l)) {
                    v.add(dn + ": pod template lacks label " + l);
                }
                if (d.getMetadata().getLabels() == null || !d.getMetadata().getLabels().containsKey(l)) {
                    v.add(dn + ": lacks label " + l);
                }
            }
            if (pods != null && !"ordermesh".equals(pods.get("app.kubernetes.io/part-of"))) {
                v.add(dn + ": app.kubernetes.io/part-of is not ordermesh");
            }
            PodSpec spec = d.getSpec().getTemplate().getSpec();
            if (spec.getTopologySpreadConstraints() != null) {
                spec.getTopologySpreadConstraints().forEach(t -> {
                    if (!matches(matchLabels(t.getLabelSelector()), pods)) {
                        v.add(dn + ": topology spread on " + t.getTopologyKey() + " does not select its own pods");
                    }
                });
            }
            if (spec.getAffinity() != null && spec.getAffinity().getPodAntiAffinity() != null) {
                var aa = spec.getAffinity().getPodAntiAffinity();
                if (aa.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
                    aa.getPreferredDuringSchedulingIgnoredDuringExecution().forEach(w -> {
                        if (!matches(matchLabels(w.getPodAffinityTerm().getLabelSelector()), pods)) {
                            v.add(dn + ": pod anti-affinity does not select its own pods");
                        }
                    });
                }
                if (aa.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
                    aa.getRequiredDuringSchedulingIgnoredDuringExecution().forEach(t -> {
                        if (!matches(matchLabels(t.getLabelSelector()), pods)) {
                            v.add(dn + ": pod anti-affinity does not select its own pods");
                        }
                    });
                }
            }
            Map<String, String> ann = d.getSpec().getTemplate().getMetadata().getAnnotations();
            Container main = spec.getContainers().get(0);
            if (ann == null || !"true".equals(ann.get("prometheus.io/scrape"))
                    || !"/q/metrics".equals(ann.get("prometheus.io/path"))
                    || main.getPorts() == null || main.getPorts().stream()
                            .noneMatch(p -> String.valueOf(p.getContainerPort()).equals(ann.get("prometheus.io/port")))) {
                v.add(dn + ": prometheus.io scrape/port/path annotations missing or not pointing at /q/metrics on a container port");
            }
        }
        for (Service s : of(Service.class)) {
            String sn = "Service " + s.getMetadata().getName();
            List<Deployment> backends = deployments.stream()
                    .filter(d -> matches(s.getSpec().getSelector(), d.getSpec().getTemplate().getMetadata().getLabels()))
                    .toList();
            if (backends.isEmpty()) {
                v.add(sn + ": selector " + s.getSpec().getSelector() + " matches no Deployment's pods");
            }
            for (var port : s.getSpec().getPorts()) {
                IntOrString target = port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort();
                for (Deployment d : backends) {
                    if (d.getSpec().getTemplate().getSpec().getContainers().stream().noneMatch(c -> portDeclared(c, target))) {
                        v.add(sn + ": targetPort " + show(target) + " is not a port of Deployment " + d.getMetadata().getName());
                    }
                }
            }
        }
        for (PodDisruptionBudget p : of(PodDisruptionBudget.class)) {
            if (deployments.stream().noneMatch(d -> matches(matchLabels(p.getSpec().getSelector()),
                    d.getSpec().getTemplate().getMetadata().getLabels()))) {
                v.add("PodDisruptionBudget " + p.getMetadata().getName() + ": selector matches no Deployment's pods");
            }
        }
        for (Deployment d : deployments) {
            if (of(PodDisruptionBudget.class).stream().noneMatch(p -> matches(matchLabels(p.getSpec().getSelector()),
                    d.getSpec().getTemplate().getMetadata().getLabels()))) {
                v.add("Deployment " + d.getMetadata().getName() + ": no PodDisruptionBudget");
            }
            if (of(Service.class).stream().noneMatch(s -> matches(s.getSpec().getSelector(),
                    d.getSpec().getTemplate().getMetadata().getLabels()))) {
                v.add("Deployment " + d.getMetadata().getName() + ": no Service");
            }
        }
        for (GenericKubernetesResource sm : custom("ServiceMonitor")) {
            Map<String, String> sel = nested(sm, "spec", "selector", "matchLabels");
            List<Service> hit = of(Service.class).stream().filter(s -> matches(sel, s.getMetadata().getLabels())).toList();
            if (hit.isEmpty()) {
                v.add("ServiceMonitor " + sm.getMetadata().getName() + ": selects no Service");
            }
            List<Map<String, Object>> endpoints = nested(sm, "spec", "endpoints");
            for (Map<String, Object> ep : endpoints == null ? List.<Map<String, Object>>of() : endpoints) {
                for (Service s : hit) {
                    if (s.getSpec().getPorts().stream().noneMatch(p -> Objects.equals(p.getName(), ep.get("port")))) {
                        v.add("ServiceMonitor " + sm.getMetadata().getName() + ": port " + ep.get("port")
                                + " is not a port of Service " + s.getMetadata().getName());
                    }
                }
            }
        }
        return v;
    }

    // ---- configuration ------------------------------------------------------------------------

    Optional<ConfigMap> configMap(String name) {
        return of(ConfigMap.class).stream().filter(c -> name.equals(c.getMetadata().getName())).findFirst();
    }

    /** ConfigMap keys and Secret keys referenced exist (Secrets: the documented names and keys); no Secret in the repo. */
    List<String> configReferences() {
        List<String> v = new ArrayList<>();
        for (HasMetadata r : all) {
            if ("Secret".equals(r.getKind())) {
                v.add("Secret " + r.getMetadata().getName() + ": secret values do not belong in the repository");
            }
        }
        for (Deployment d : of(Deployment.class)) {
            String dn = "Deployment " + d.getMetadata().getName();
            for (Container c : d.getSpec().getTemplate().getSpec().getContainers()) {
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (e.getValueFrom() == null) {
                        continue;
                    }
                    var cm = e.getValueFrom().getConfigMapKeyRef();
                    if (cm != null) {
                        Optional<ConfigMap> map = configMap(cm.getName());
                        if (map.isEmpty()) {
                            v.add(dn + ": env " + e.getName() + " references missing ConfigMap " + cm.getName());
                        } else if (map.get().getData() == null || !map.get().getData().containsKey(cm.getKey())) {
                            v.add(dn + ": env " + e.getName() + " references missing key " + cm.getKey()
                                    + " of ConfigMap " + cm.getName());
                        }
                    }
                    var sk = e.getValueFrom().getSecretKeyRef();
                    if (sk != null && !SECRETS.getOrDefault(sk.getName(), Set.of()).contains(sk.getKey())) {
                        v.add(dn + ": env " + e.getName() + " references Secret " + sk.getName() + " key " + sk.getKey()
                                + ", which README.md does not tell the operator to create");
                    }
                }
                for (EnvFromSource ef : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
                    if (ef.getConfigMapRef() != null && configMap(ef.getConfigMapRef().getName()).isEmpty()) {
                        v.add(dn + ": envFrom references missing ConfigMap " + ef.getConfigMapRef().getName());
                    }
                    if (ef.getSecretRef() != null && !SECRETS.containsKey(ef.getSecretRef().getName())) {
                        v.add(dn + ": envFrom references undocumented Secret " + ef.getSecretRef().getName());
                    }
                }
            }
        }
        for (GenericKubernetesResource ta : custom("TriggerAuthentication")) {
            List<Map<String, Object>> refs = nested(ta, "spec", "secretTargetRef");
            for (Map<String, Object> ref : refs == null ? List.<Map<String, Object>>of() : refs) {
                if (!SECRETS.getOrDefault(String.valueOf(ref.get("name")), Set.of()).contains(String.valueOf(ref.get("key")))) {
                    v.add("TriggerAuthentication " + ta.getMetadata().getName() + ": Secret " + ref.get("name")
                            + " key " + ref.get("key") + " is not documented");
                }
            }
        }
        return v;
    }

    /**
     * The value a container's variable gets: a literal, a ConfigMap key, or "(secret)" for a
     * required Secret key. Empty when unset, optional, or the reference does not resolve.
     */
    Optional<String> resolve(Container c, String name) {
        for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            if (!name.equals(e.getName())) {
                continue;
            }
            if (e.getValueFrom() == null) {
                return Optional.ofNullable(e.getValue()).filter(s -> !s.isBlank());
            }
            var cm = e.getValueFrom().getConfigMapKeyRef();
            if (cm != null) {
                return configMap(cm.getName()).map(ConfigMap::getData).map(d -> d.get(cm.getKey())).filter(s -> !s.isBlank());
            }
            var sk = e.getValueFrom().getSecretKeyRef();
            if (sk != null && !Boolean.TRUE.equals(sk.getOptional())) {
                return Optional.of("(secret " + sk.getName() + "/" + sk.getKey() + ")");
            }
            return Optional.empty();
        }
        for (EnvFromSource ef : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
            if (ef.getConfigMapRef() != null) {
                Optional<String> val = configMap(ef.getConfigMapRef().getName()).map(ConfigMap::getData)
                        .map(d -> d.get(name)).filter(s -> !s.isBlank());
                if (val.isPresent()) {
                    return val;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Every variable of {@link #NEEDS} is set for each service, QUARKUS_HTTP_HOST opens the port,
     * and every property that application.properties points at a loopback address is overridden.
     */
    List<String> environment(Map<String, Map<String, String>> propertiesByService) {
        List<String> v = new ArrayList<>();
        for (var need : new TreeMap<>(NEEDS).entrySet()) {
            Optional<Deployment> d = deployment(need.getKey());
            if (d.isEmpty()) {
                v.add("no Deployment for service " + need.getKey());
                continue;
            }
            Container c = d.get().getSpec().getTemplate().getSpec().getContainers().get(0);
            List<String> wanted = new ArrayList<>(List.of("QUARKUS_HTTP_HOST"));
            need.getValue().forEach(i -> wanted.addAll(i.variables));
            for (String var : wanted) {
                if (resolve(c, var).isEmpty()) {
                    v.add("Deployment " + need.getKey() + ": needs " + var + " but it is not set (or only optionally)");
                }
            }
            resolve(c, "QUARKUS_HTTP_HOST").filter(h -> !"0.0.0.0".equals(h))
                    .ifPresent(h -> v.add("Deployment " + need.getKey() + ": QUARKUS_HTTP_HOST is " + h + ", not 0.0.0.0"));
            Map<String, String> props = propertiesByService.getOrDefault(need.getKey(), Map.of());
            for (var p : props.entrySet()) {
                String val = p.getValue();
                if (val.contains("127.0.0.1") || val.contains("localhost")) {
                    String env = p.getKey().toUpperCase().replaceAll("[^A-Z0-9]", "_");
                    if (resolve(c, env).isEmpty()) {
                        v.add("Deployment " + need.getKey() + ": " + p.getKey() + "=" + val
                                + " points at loopback in application.properties and " + env + " does not override it");
                    }
                }
            }
            String port = props.get("quarkus.http.port");
            if (port != null && (c.getPorts() == null || c.getPorts().stream().noneMatch(cp -> port.equals(String.valueOf(cp.getContainerPort()))))
                    && resolve(c, "QUARKUS_HTTP_PORT").filter(port::equals).isEmpty()) {
                v.add("Deployment " + need.getKey() + ": quarkus.http.port " + port + " is not a container port");
            }
            resolve(c, "QUARKUS_HTTP_PORT").ifPresent(p -> {
                if (c.getPorts() == null || c.getPorts().stream().noneMatch(cp -> p.equals(String.valueOf(cp.getContainerPort())))) {
                    v.add("Deployment " + need.getKey() + ": QUARKUS_HTTP_PORT " + p + " is not a container port");
                }
            });
            resolve(c, "QUARKUS_REST_CLIENT_IMS_URL").ifPresent(url -> {
                URI u = URI.create(url);
                boolean ok = of(Service.class).stream().anyMatch(s -> u.getHost().split("\\.")[0].equals(s.getMetadata().getName())
                        && s.getSpec().getPorts().stream().anyMatch(sp -> sp.getPort() == u.getPort()));
                if (!ok) {
                    v.add("Deployment " + need.getKey() + ": QUARKUS_REST_CLIENT_IMS_URL " + url + " is no Service port");
                }
            });
        }
        return v;
    }

    // ---- scaling ------------------------------------------------------------------------------

    /** HPAs and ScaledObjects target existing Deployments, each Deployment has exactly one scaler. */
    List<String> scaling() {
        List<String> v = new ArrayList<>();
        Map<String, Integer> scalers = new TreeMap<>();
        for (HorizontalPodAutoscaler h : of(HorizontalPodAutoscaler.class)) {
            String hn = "HorizontalPodAutoscaler " + h.getMetadata().getName();
            var ref = h.getSpec().getScaleTargetRef();
            Optional<Deployment> d = "Deployment".equals(ref.getKind()) ? deployment(ref.getName()) : Optional.empty();
            if (d.isEmpty()) {
                v.add(hn + ": targets " + ref.getKind() + " " + ref.getName() + ", which does not exist");
                continue;
            }
            scalers.merge(ref.getName(), 1, Integer::sum);
            int min = h.getSpec().getMinReplicas() == null ? 1 : h.getSpec().getMinReplicas();
            if (min < 1 || min > h.getSpec().getMaxReplicas()) {
                v.add(hn + ": minReplicas " + min + " not within 1.." + h.getSpec().getMaxReplicas());
            }
            boolean cpu = h.getSpec().getMetrics() != null && h.getSpec().getMetrics().stream()
                    .anyMatch(m -> m.getResource() != null && "cpu".equals(m.getResource().getName()));
            if (!cpu) {
                v.add(hn + ": does not scale on CPU");
            }
            for (Container c : d.get().getSpec().getTemplate().getSpec().getContainers()) {
                if (c.getResources() == null || c.getResources().getRequests() == null
                        || !c.getResources().getRequests().containsKey("cpu")) {
                    v.add(hn + ": container " + c.getName() + " has no cpu request to measure utilisation against");
                }
            }
        }
        for (GenericKubernetesResource so : custom("ScaledObject")) {
            String sn = "ScaledObject " + so.getMetadata().getName();
            String kind = Objects.toString(nested(so, "spec", "scaleTargetRef", "kind"), "Deployment");
            String name = nested(so, "spec", "scaleTargetRef", "name");
            Optional<Deployment> d = "Deployment".equals(kind) && name != null ? deployment(name) : Optional.empty();
            if (d.isEmpty()) {
                v.add(sn + ": targets " + kind + " " + name + ", which does not exist");
                continue;
            }
            scalers.merge(name, 1, Integer::sum);
            int min = number(nested(so, "spec", "minReplicaCount"), 0);
            int max = number(nested(so, "spec", "maxReplicaCount"), 100);
            if (min > max) {
                v.add(sn + ": minReplicaCount " + min + " > maxReplicaCount " + max);
            }
            Container c = d.get().getSpec().getTemplate().getSpec().getContainers().get(0);
            List<Map<String, Object>> triggers = nested(so, "spec", "triggers");
            if (triggers == null || triggers.isEmpty()) {
                v.add(sn + ": no triggers");
                continue;
            }
            for (Map<String, Object> t : triggers) {
                @SuppressWarnings("unchecked")
                Map<String, Object> md = (Map<String, Object>) t.getOrDefault("metadata", Map.of());
                String type = String.valueOf(t.get("type"));
                if ("kafka".equals(type)) {
                    String topic = String.valueOf(md.get("topic"));
                    Optional<Integer> partitions = topicPartitions(topic);
                    if (partitions.isEmpty()) {
                        v.add(sn + ": kafka trigger on topic " + topic + ", for which there is no KafkaTopic");
                    } else if (max > partitions.get()) {
                        v.add(sn + ": maxReplicaCount " + max + " exceeds the " + partitions.get() + " partitions of " + topic
                                + " (extra consumers would sit idle)");
                    }
                    if ("true".equals(String.valueOf(md.get("allowIdleConsumers")))) {
                        v.add(sn + ": allowIdleConsumers lets KEDA scale past the partition count");
                    }
                    if (md.get("consumerGroup") == null || String.valueOf(md.get("consumerGroup")).isBlank()) {
                        v.add(sn + ": kafka trigger without consumerGroup");
                    }
                    if (!Objects.equals(md.get("bootstrapServers"), resolve(c, "KAFKA_BOOTSTRAP_SERVERS").orElse(null))) {
                        v.add(sn + ": bootstrapServers " + md.get("bootstrapServers") + " differ from the KAFKA_BOOTSTRAP_SERVERS of "
                                + name + " (" + resolve(c, "KAFKA_BOOTSTRAP_SERVERS").orElse("unset") + ")");
                    }
                    boolean consumed = c.getEnv().stream().filter(e -> e.getName().startsWith("ORDERMESH_TOPICS_"))
                            .map(e -> resolve(c, e.getName()).orElse("")).anyMatch(topic::equals);
                    if (!consumed) {
                        v.add(sn + ": topic " + topic + " is none of the topics configured for " + name);
                    }
                } else if ("aws-sqs-queue".equals(type)) {
                    String url = String.valueOf(md.get("queueURL"));
                    String queue = resolve(c, "ORDERMESH_BULK_QUEUE").orElse("(unset)");
                    if (!url.endsWith("/" + queue)) {
                        v.add(sn + ": queueURL " + url + " is not the queue " + queue + " that " + name + " consumes");
                    }
                    String region = resolve(c, "QUARKUS_SQS_AWS_REGION").orElse("(unset)");
                    if (!region.equals(md.get("awsRegion"))) {
                        v.add(sn + ": awsRegion " + md.get("awsRegion") + " differs from QUARKUS_SQS_AWS_REGION " + region);
                    }
                    String endpoint = resolve(c, "QUARKUS_SQS_ENDPOINT_OVERRIDE").orElse("");
                    if (md.get("awsEndpoint") != null && !endpoint.equals(md.get("awsEndpoint"))) {
                        v.add(sn + ": awsEndpoint " + md.get("awsEndpoint") + " differs from QUARKUS_SQS_ENDPOINT_OVERRIDE " + endpoint);
                    }
                    if (md.get("awsEndpoint") == null && !endpoint.contains("amazonaws.com")) {
                        v.add(sn + ": the service uses SQS at " + endpoint + " but KEDA asks AWS (no awsEndpoint)");
                    }
                    Object auth = t.get("authenticationRef") instanceof Map<?, ?> m ? m.get("name") : null;
                    if (auth == null || custom("TriggerAuthentication").stream()
                            .noneMatch(a -> auth.equals(a.getMetadata().getName()))) {
                        v.add(sn + ": authenticationRef " + auth + " is no TriggerAuthentication");
                    }
                } else {
                    v.add(sn + ": unexpected trigger type " + type);
                }
            }
        }
        for (Deployment d : of(Deployment.class)) {
            int n = scalers.getOrDefault(d.getMetadata().getName(), 0);
            if (n != 1) {
                v.add("Deployment " + d.getMetadata().getName() + ": " + n + " autoscalers (want exactly one: HPA or KEDA)");
            }
            if (d.getSpec().getReplicas() != null) {
                v.add("Deployment " + d.getMetadata().getName() + ": sets replicas, which would fight its autoscaler on every apply");
            }
        }
        return v;
    }

    Optional<Integer> topicPartitions(String topic) {
        return custom("KafkaTopic").stream()
                .filter(t -> topic.equals(Objects.toString(nested(t, "spec", "topicName"), t.getMetadata().getName())))
                .findFirst().map(t -> number(nested(t, "spec", "partitions"), 0));
    }

    /** Strimzi topics: cluster label, replication and min.insync, and one per configured topic name. */
    List<String> topics() {
        List<String> v = new ArrayList<>();
        for (GenericKubernetesResource t : custom("KafkaTopic")) {
            String tn = "KafkaTopic " + t.getMetadata().getName();
            if (!"kafka.strimzi.io/v1beta2".equals(t.getApiVersion()) && !"kafka.strimzi.io/v1".equals(t.getApiVersion())) {
                v.add(tn + ": apiVersion " + t.getApiVersion());
            }
            if (t.getMetadata().getLabels() == null || !t.getMetadata().getLabels().containsKey("strimzi.io/cluster")) {
                v.add(tn + ": no strimzi.io/cluster label, the Topic Operator would ignore it");
            }
            int partitions = number(nested(t, "spec", "partitions"), 0);
            int replicas = number(nested(t, "spec", "replicas"), 0);
            int minIsr = number(nested(t, "spec", "config", "min.insync.replicas"), 1);
            if (partitions < 1 || replicas < 1) {
                v.add(tn + ": partitions and replicas must be set");
            }
            if (minIsr > replicas || (replicas >= 3 && minIsr < 2)) {
                v.add(tn + ": min.insync.replicas " + minIsr + " does not fit replicas " + replicas);
            }
        }
        for (Deployment d : of(Deployment.class)) {
            Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
            for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                if (e.getName().startsWith("ORDERMESH_TOPICS_")) {
                    String topic = resolve(c, e.getName()).orElse("");
                    if (topicPartitions(topic).isEmpty()) {
                        v.add("Deployment " + d.getMetadata().getName() + ": " + e.getName() + "=" + topic + " has no KafkaTopic");
                    }
                }
            }
        }
        return v;
    }

    // ---- model ---------------------------------------------------------------------------------

    /** Fields the Kubernetes model does not know (typos such as readinessProbes) end up in additionalProperties. */
    static List<String> unknownFields(HasMetadata r) {
        List<String> v = new ArrayList<>();
        if (!(r instanceof GenericKubernetesResource)) {
            walk(r, r.getKind() + " " + r.getMetadata().getName(), v);
        }
        return v;
    }

    private static void walk(Object o, String path, List<String> v) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : c) {
                walk(x, path + "[" + i++ + "]", v);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, x) -> walk(x, path + "." + k, v));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model") || o instanceof Quantity) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object val = m.invoke(o);
                if ("getAdditionalProperties".equals(m.getName())) {
                    if (val instanceof Map<?, ?> extra && !extra.isEmpty()) {
                        v.add(path + ": unknown field(s) " + extra.keySet());
                    }
                } else {
                    String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
                    walk(val, path + "." + field, v);
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // computed getters (e.g. IntOrString) may refuse; they carry no fields of their own
            }
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T nested(GenericKubernetesResource r, String... path) {
        Object cur = r.getAdditionalProperties();
        for (String p : path) {
            if (!(cur instanceof Map<?, ?> m)) {
                return null;
            }
            cur = m.get(p);
        }
        return (T) cur;
    }

    static int number(Object o, int dflt) {
        if (o == null) {
            return dflt;
        }
        return o instanceof Number n ? n.intValue() : Integer.parseInt(o.toString());
    }
}
