package io.ordermesh.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks deploy/k8s without a cluster: every manifest through the fabric8 Kubernetes model, the
 * base and both overlays resolved and rendered like kustomize would, and the rules of
 * {@link ManifestRules} on each rendering. The negative tests break one thing at a time and
 * prove the rule that should notice does.
 */
class KubernetesManifestsTest {

    static final List<String> SERVICES = List.of("ims-api", "oms-api", "csv-processor", "order-finalizer", "webhook-dispatcher");
    static final List<String> APIS = List.of("ims-api", "oms-api");

    static Path root;
    static Path k8s;
    /** application.properties of each service as the %prod profile sees it. */
    static final Map<String, Map<String, String>> PROPERTIES = new HashMap<>();
    static final Map<String, Integer> SHUTDOWN_SECONDS = new HashMap<>();

    @BeforeAll
    static void locate() throws IOException {
        String prop = System.getProperty("ordermesh.root");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("deploy/k8s/base"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "cannot find the repository root (deploy/k8s/base)");
        root = p;
        k8s = root.resolve("deploy/k8s");
        for (String s : SERVICES) {
            Path file = root.resolve(s).resolve("src/main/resources/application.properties");
            assertTrue(Files.isRegularFile(file), file + " missing");
            Properties raw = new Properties();
            raw.load(new StringReader(Files.readString(file)));
            Map<String, String> prod = new LinkedHashMap<>();
            raw.stringPropertyNames().stream().filter(k -> !k.startsWith("%")).forEach(k -> prod.put(k, raw.getProperty(k)));
            raw.stringPropertyNames().stream().filter(k -> k.startsWith("%prod."))
                    .forEach(k -> prod.put(k.substring("%prod.".length()), raw.getProperty(k)));
            PROPERTIES.put(s, prod);
            // A worker drains after the HTTP phase: its bound is both together.
            SHUTDOWN_SECONDS.put(s, seconds(prod.getOrDefault("quarkus.shutdown.timeout", "30s"))
                    + seconds(prod.getOrDefault("ordermesh.shutdown.drain", "0s")));
        }
    }

    static int seconds(String v) {
        String s = v.strip().toUpperCase();
        if (s.startsWith("PT")) {
            return (int) Duration.parse(s).toSeconds();
        }
        if (s.endsWith("MS")) {
            return (int) Math.ceil(Long.parseLong(s.substring(0, s.length() - 2)) / 1000.0);
        }
        if (s.endsWith("S")) {
            return Integer.parseInt(s.substring(0, s.length() - 1));
        }
        if (s.endsWith("M")) {
            return 60 * Integer.parseInt(s.substring(0, s.length() - 1));
        }
        return Integer.parseInt(s);
    }

    static Kustomize.Result build(String variant) {
        return Kustomize.build(k8s.resolve(variant));
    }

    static ManifestRules rules(Kustomize.Result r) {
        return new ManifestRules(r.typed());
    }

    static List<String> allRules(ManifestRules r) {
        List<String> v = new ArrayList<>();
        v.addAll(r.containers(SHUTDOWN_SECONDS));
        v.addAll(r.selectors());
        v.addAll(r.configReferences());
        v.addAll(r.environment(PROPERTIES));
        v.addAll(r.scaling());
        v.addAll(r.topics());
        return v;
    }

    // ---- every file through the Kubernetes model ----------------------------------------------

    @Test
    void everyManifestFileParsesWithTheKubernetesModelWithoutUnknownFields() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(k8s)) {
            files = s.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml"))
                    .filter(f -> !f.startsWith(k8s.resolve("target")) && !f.startsWith(k8s.resolve("src")))
                    .sorted().toList();
        }
        assertTrue(files.size() >= 30, "expected the base, component and overlay manifests, found " + files);
        Map<String, Integer> typedKinds = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path f : files) {
            for (JsonNode doc : Kustomize.readDocuments(f)) {
                HasMetadata r = Serialization.unmarshal(doc.toString());
                assertTrue(r.getKind() != null && r.getMetadata() != null && r.getMetadata().getName() != null,
                        f + ": a document without kind or name");
                if (!(r instanceof GenericKubernetesResource)) {
                    typedKinds.merge(r.getKind(), 1, Integer::sum);
                }
                ManifestRules.unknownFields(r).forEach(p -> problems.add(k8s.relativize(f) + ": " + p));
            }
        }
        assertEquals(List.of(), problems);
        // The built-in kinds are bound to their model classes, not read as generic maps.
        for (String kind : List.of("Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceAccount")) {
            assertTrue(typedKinds.getOrDefault(kind, 0) > 0, kind + " not read by the typed model: " + typedKinds);
        }
    }

    @Test
    void customResourcesAreReadAsGenericResources() {
        ManifestRules r = rules(build("overlays/production"));
        assertEquals(4, r.custom("KafkaTopic").size());
        assertEquals(3, r.custom("ScaledObject").size());
        assertEquals(1, r.custom("TriggerAuthentication").size());
        assertEquals(1, r.custom("ServiceMonitor").size());
        r.custom("ScaledObject").forEach(s -> assertEquals("keda.sh/v1alpha1", s.getApiVersion()));
        assertInstanceOf(GenericKubernetesResource.class, r.custom("KafkaTopic").get(0));
    }

    // ---- base and overlays ---------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void kustomizationsReferenceOnlyWhatExistsAndPatchesHitResources(String variant) {
        Kustomize.Result r = build(variant);
        assertEquals(List.of(), r.problems);
        assertFalse(r.resources.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void everyServiceHasDeploymentServicePdbServiceAccountAndOneAutoscaler(String variant) {
        ManifestRules r = rules(build(variant));
        for (String s : SERVICES) {
            assertTrue(r.deployment(s).isPresent(), variant + ": Deployment " + s);
            assertTrue(r.of(Service.class).stream().anyMatch(x -> s.equals(x.getMetadata().getName())), variant + ": Service " + s);
            assertTrue(r.of(PodDisruptionBudget.class).stream().anyMatch(x -> s.equals(x.getMetadata().getName())), variant + ": PDB " + s);
            assertTrue(r.of(ServiceAccount.class).stream().anyMatch(x -> s.equals(x.getMetadata().getName())), variant + ": SA " + s);
            assertEquals(s, r.deployment(s).get().getSpec().getTemplate().getSpec().getServiceAccountName());
            boolean hpa = r.of(HorizontalPodAutoscaler.class).stream().anyMatch(h -> s.equals(h.getSpec().getScaleTargetRef().getName()));
            boolean keda = r.custom("ScaledObject").stream().anyMatch(o -> s.equals(ManifestRules.nested(o, "spec", "scaleTargetRef", "name")));
            assertEquals(APIS.contains(s), hpa, variant + ": " + s + " HPA (APIs scale on CPU)");
            assertEquals(!APIS.contains(s), keda, variant + ": " + s + " KEDA (workers scale on lag / queue depth)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void containersHaveProbesResourcesNonRootContextAndGracefulTermination(String variant) {
        assertEquals(List.of(), rules(build(variant)).containers(SHUTDOWN_SECONDS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void selectorsMatchPodsAndLabelsAndScrapeAnnotationsAreSet(String variant) {
        assertEquals(List.of(), rules(build(variant)).selectors());
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void configMapKeysAndSecretReferencesExist(String variant) {
        assertEquals(List.of(), rules(build(variant)).configReferences());
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void everyServiceGetsTheVariablesOfTheInfrastructureItTalksTo(String variant) {
        assertEquals(List.of(), rules(build(variant)).environment(PROPERTIES));
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void autoscalersTargetExistingDeploymentsAndKafkaScalersStayWithinPartitions(String variant) {
        assertEquals(List.of(), rules(build(variant)).scaling());
    }

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/local", "overlays/production"})
    void kafkaTopicsExistForEveryConfiguredTopicWithSaneReplication(String variant) {
        ManifestRules r = rules(build(variant));
        assertEquals(List.of(), r.topics());
        for (String t : List.of("order.created", "order.updated", "order.created.dlq", "order.updated.dlq")) {
            assertTrue(r.topicPartitions(t).isPresent(), variant + ": KafkaTopic " + t);
        }
    }

    @Test
    void baseTopicsAreReplicatedThreeTimesWithMinInsyncTwo() {
        ManifestRules r = rules(build("base"));
        for (GenericKubernetesResource t : r.custom("KafkaTopic")) {
            assertEquals(3, ManifestRules.number(ManifestRules.nested(t, "spec", "replicas"), 0), t.getMetadata().getName());
            assertEquals(2, ManifestRules.number(ManifestRules.nested(t, "spec", "config", "min.insync.replicas"), 0));
            assertEquals("ordermesh-kafka", t.getMetadata().getLabels().get("strimzi.io/cluster"));
        }
    }

    @Test
    void localOverlayRunsOneReplicaOfEachServiceWithSmallResources() {
        ManifestRules r = rules(build("overlays/local"));
        r.of(HorizontalPodAutoscaler.class).forEach(h -> {
            assertEquals(1, h.getSpec().getMinReplicas());
            assertEquals(1, h.getSpec().getMaxReplicas());
        });
        r.custom("ScaledObject").forEach(o -> {
            assertEquals(1, ManifestRules.number(ManifestRules.nested(o, "spec", "minReplicaCount"), -1));
            assertEquals(1, ManifestRules.number(ManifestRules.nested(o, "spec", "maxReplicaCount"), -1));
        });
        r.of(Deployment.class).forEach(d -> {
            var limits = d.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits();
            assertTrue(limits.get("memory").getNumericalAmount().longValue() <= 512L * 1024 * 1024, d.getMetadata().getName());
            assertEquals("ordermesh", d.getMetadata().getNamespace());
        });
    }

    @Test
    void productionOverlaySpreadsPodsAndUsesRealEndpointsAndPodIdentity() {
        ManifestRules base = rules(build("base"));
        ManifestRules r = rules(build("overlays/production"));
        for (Deployment d : r.of(Deployment.class)) {
            var spec = d.getSpec().getTemplate().getSpec();
            String n = d.getMetadata().getName();
            assertTrue(spec.getTopologySpreadConstraints() != null && spec.getTopologySpreadConstraints().stream()
                    .anyMatch(t -> "topology.kubernetes.io/zone".equals(t.getTopologyKey())), n + ": zone spread");
            assertTrue(spec.getAffinity() != null && spec.getAffinity().getPodAntiAffinity() != null, n + ": anti-affinity");
            String image = spec.getContainers().get(0).getImage();
            assertTrue(image.startsWith("registry.example.com/ordermesh/" + n + ":"), n + ": image " + image);
            var prodReq = spec.getContainers().get(0).getResources().getRequests().get("memory").getNumericalAmount();
            var baseReq = base.deployment(n).get().getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getResources().getRequests().get("memory").getNumericalAmount();
            assertTrue(prodReq.compareTo(baseReq) >= 0, n + ": production requests at least the base memory");
        }
        r.of(HorizontalPodAutoscaler.class).forEach(h -> assertTrue(h.getSpec().getMinReplicas() >= 3, h.getMetadata().getName()));
        ConfigMap cm = r.configMap("ordermesh-config").orElseThrow();
        cm.getData().forEach((k, v) -> {
            for (String dev : List.of("localstack", "127.0.0.1", "localhost", "mongodb://mongo:", "//postgres:", "redis://redis:")) {
                assertFalse(v.contains(dev), "production " + k + "=" + v + " still points at " + dev);
            }
        });
        assertEquals("false", cm.getData().get("QUARKUS_S3_PATH_STYLE_ACCESS"));
        GenericKubernetesResource auth = r.custom("TriggerAuthentication").get(0);
        assertEquals("aws", (Object) ManifestRules.nested(auth, "spec", "podIdentity", "provider"));
        assertEquals(null, (Object) ManifestRules.nested(auth, "spec", "secretTargetRef"));
        for (String s : List.of("oms-api", "csv-processor")) {
            ServiceAccount sa = r.of(ServiceAccount.class).stream().filter(x -> s.equals(x.getMetadata().getName())).findFirst().orElseThrow();
            assertTrue(sa.getMetadata().getAnnotations().containsKey("eks.amazonaws.com/role-arn"), s + ": IRSA role");
        }
    }

    @Test
    void readmeTellsTheOperatorHowToDeployAndWhichSecretsToCreate() throws IOException {
        String readme = Files.readString(root.resolve("README.md"));
        int at = readme.indexOf("\n## Kubernetes");
        assertTrue(at >= 0, "README.md has no '## Kubernetes' section");
        int end = readme.indexOf("\n## ", at + 5);
        String section = end < 0 ? readme.substring(at) : readme.substring(at, end);
        for (String must : List.of("kubectl apply -k deploy/k8s/overlays/production", "Strimzi", "KEDA", "SIGTERM")) {
            assertTrue(section.contains(must), "README Kubernetes section does not mention " + must);
        }
        ManifestRules.SECRETS.forEach((name, keys) -> {
            assertTrue(section.contains(name), "README does not document Secret " + name);
            keys.forEach(k -> assertTrue(section.contains(k), "README does not document key " + k + " of " + name));
        });
    }

    // ---- the rules catch what they should ------------------------------------------------------

    /** Builds the base, lets the caller break the tree, and answers every rule's violations. */
    static List<String> violationsAfter(Consumer<Kustomize.Result> breakIt) {
        Kustomize.Result r = build("base");
        breakIt.accept(r);
        return allRules(rules(r));
    }

    static ObjectNode container(Kustomize.Result r, String deployment) {
        return (ObjectNode) r.find("Deployment", deployment).at("/spec/template/spec/containers/0");
    }

    static void assertDetected(List<String> violations, String expected) {
        assertTrue(violations.stream().anyMatch(v -> v.contains(expected)),
                "expected a violation containing '" + expected + "', got " + violations);
    }

    @Test
    void theUnbrokenBasePassesEveryRule() {
        assertEquals(List.of(), violationsAfter(r -> { }));
    }

    @Test
    void aContainerWithoutProbesIsDetected() {
        List<String> v = violationsAfter(r -> {
            container(r, "oms-api").remove("readinessProbe");
            container(r, "oms-api").remove("startupProbe");
        });
        assertDetected(v, "Deployment oms-api container oms-api: no readinessProbe");
        assertDetected(v, "Deployment oms-api container oms-api: no startupProbe");
    }

    @Test
    void aProbeOnTheWrongPathOrPortIsDetected() {
        List<String> v = violationsAfter(r -> {
            ((ObjectNode) container(r, "ims-api").at("/livenessProbe/httpGet")).put("path", "/health");
            ((ObjectNode) container(r, "ims-api").at("/readinessProbe/httpGet")).put("port", "metrics");
        });
        assertDetected(v, "livenessProbe path /health");
        assertDetected(v, "readinessProbe port metrics is not a container port");
    }

    @Test
    void aRootOrWritableOrLimitlessContainerIsDetected() {
        List<String> v = violationsAfter(r -> {
            ObjectNode sc = (ObjectNode) container(r, "order-finalizer").get("securityContext");
            sc.remove("runAsNonRoot");
            sc.put("runAsUser", 0);
            sc.put("readOnlyRootFilesystem", false);
            ((ObjectNode) r.find("Deployment", "order-finalizer").at("/spec/template/spec/securityContext")).remove("runAsNonRoot");
            ((ObjectNode) container(r, "webhook-dispatcher").at("/resources")).remove("limits");
        });
        assertDetected(v, "order-finalizer: runAsNonRoot is not true");
        assertDetected(v, "order-finalizer: runAsUser is not a non-root uid");
        assertDetected(v, "order-finalizer: root filesystem is not read-only");
        assertDetected(v, "webhook-dispatcher: no memory limit");
    }

    @Test
    void aGracePeriodShorterThanPreStopPlusShutdownIsDetected() {
        List<String> v = violationsAfter(r ->
                ((ObjectNode) r.find("Deployment", "csv-processor").at("/spec/template/spec")).put("terminationGracePeriodSeconds", 30));
        assertDetected(v, "Deployment csv-processor: terminationGracePeriodSeconds 30");
    }

    @Test
    void aWorkerDrainLongerThanItsGracePeriodAllowsIsDetected() {
        Map<String, Integer> longer = new HashMap<>(SHUTDOWN_SECONDS);
        longer.put("order-finalizer", 60);
        assertDetected(rules(build("overlays/production")).containers(longer),
                "Deployment order-finalizer: terminationGracePeriodSeconds 60 < preStop 5 s + shutdown bound 60 s + 5 s");
    }

    @Test
    void everyWorkerDeclaresADrainBoundThatTheGracePeriodCovers() {
        for (String worker : List.of("csv-processor", "order-finalizer", "webhook-dispatcher")) {
            assertTrue(PROPERTIES.get(worker).containsKey("ordermesh.shutdown.drain"), worker + " declares no ordermesh.shutdown.drain");
        }
    }

    @Test
    void selectorsThatMatchNoPodsAreDetected() {
        List<String> v = violationsAfter(r -> {
            ((ObjectNode) r.find("Service", "ims-api").at("/spec/selector")).put("app.kubernetes.io/name", "ims");
            ((ObjectNode) r.find("PodDisruptionBudget", "oms-api").at("/spec/selector/matchLabels")).put("app.kubernetes.io/name", "oms");
        });
        assertDetected(v, "Service ims-api: selector");
        assertDetected(v, "PodDisruptionBudget oms-api: selector matches no Deployment's pods");
        assertDetected(v, "Deployment ims-api: no Service");
    }

    @Test
    void aMissingConfigMapKeyIsDetected() {
        List<String> v = violationsAfter(r -> ((ObjectNode) r.find("ConfigMap", "ordermesh-config").get("data")).remove("QUARKUS_REDIS_HOSTS"));
        assertDetected(v, "references missing key QUARKUS_REDIS_HOSTS of ConfigMap ordermesh-config");
    }

    @Test
    void aNeededVariableThatIsNotSetIsDetected() {
        List<String> v = violationsAfter(r -> {
            ArrayNode env = (ArrayNode) container(r, "order-finalizer").get("env");
            for (int i = env.size() - 1; i >= 0; i--) {
                if ("QUARKUS_REST_CLIENT_IMS_URL".equals(env.get(i).path("name").asText())) {
                    env.remove(i);
                }
            }
        });
        assertDetected(v, "Deployment order-finalizer: needs QUARKUS_REST_CLIENT_IMS_URL");
    }

    @Test
    void anOptionalSecretDoesNotSatisfyARequiredCredential() {
        List<String> v = violationsAfter(r -> {
            for (JsonNode e : container(r, "ims-api").get("env")) {
                if ("QUARKUS_DATASOURCE_PASSWORD".equals(e.path("name").asText())) {
                    ((ObjectNode) e.at("/valueFrom/secretKeyRef")).put("optional", true);
                }
            }
        });
        assertDetected(v, "Deployment ims-api: needs QUARKUS_DATASOURCE_PASSWORD");
    }

    @Test
    void aLoopbackPropertyWithoutOverrideIsDetected() {
        ManifestRules r = rules(build("base"));
        Map<String, Map<String, String>> props = new HashMap<>(PROPERTIES);
        Map<String, String> ims = new LinkedHashMap<>(PROPERTIES.get("ims-api"));
        ims.put("quarkus.rest-client.tax.url", "http://127.0.0.1:9999");
        props.put("ims-api", ims);
        assertDetected(r.environment(props), "QUARKUS_REST_CLIENT_TAX_URL does not override it");
    }

    @Test
    void aKafkaScalerAbovePartitionCountIsDetected() {
        List<String> v = violationsAfter(r -> ((ObjectNode) r.find("ScaledObject", "webhook-dispatcher").get("spec")).put("maxReplicaCount", 24));
        assertDetected(v, "ScaledObject webhook-dispatcher: maxReplicaCount 24 exceeds the 12 partitions of order.created");
        List<String> fewer = violationsAfter(r -> ((ObjectNode) r.find("KafkaTopic", "order-created").get("spec")).put("partitions", 6));
        assertDetected(fewer, "ScaledObject order-finalizer: maxReplicaCount 12 exceeds the 6 partitions of order.created");
    }

    @Test
    void autoscalersOfMissingDeploymentsAndDoubleScalingAreDetected() {
        List<String> v = violationsAfter(r -> {
            ((ObjectNode) r.find("HorizontalPodAutoscaler", "ims-api").at("/spec/scaleTargetRef")).put("name", "inventory-api");
            ((ObjectNode) r.find("ScaledObject", "csv-processor").at("/spec/scaleTargetRef")).put("name", "oms-api");
        });
        assertDetected(v, "HorizontalPodAutoscaler ims-api: targets Deployment inventory-api, which does not exist");
        assertDetected(v, "Deployment oms-api: 2 autoscalers");
        assertDetected(v, "Deployment ims-api: 0 autoscalers");
    }

    @Test
    void aScalerOnAnotherQueueOrTopicIsDetected() {
        List<String> v = violationsAfter(r -> {
            ((ObjectNode) r.find("ScaledObject", "csv-processor").at("/spec/triggers/0/metadata")).put("queueURL", "http://localstack:4566/000000000000/other");
            ((ObjectNode) r.find("ScaledObject", "order-finalizer").at("/spec/triggers/0/metadata")).put("topic", "order.deleted");
        });
        assertDetected(v, "queueURL http://localstack:4566/000000000000/other is not the queue ordermesh-bulk-orders");
        assertDetected(v, "kafka trigger on topic order.deleted, for which there is no KafkaTopic");
    }

    @Test
    void aMisspelledFieldIsDetectedByTheModel() {
        Kustomize.Result r = build("base");
        container(r, "oms-api").set("readinessProbes", container(r, "oms-api").get("readinessProbe"));
        List<String> unknown = new ArrayList<>();
        r.typed().forEach(x -> unknown.addAll(ManifestRules.unknownFields(x)));
        assertDetected(unknown, "unknown field(s) [readinessProbes]");
    }

    @Test
    void brokenKustomizationReferencesAreDetected(@TempDir Path tmp) throws IOException {
        Path base = tmp.resolve("base");
        copyTree(k8s.resolve("base"), base);
        Path overlay = tmp.resolve("overlays/broken");
        Files.createDirectories(overlay);
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                commonLabels:
                  team: orders
                resources:
                  - ../../base
                  - missing.yaml
                components:
                  - ../../components/nowhere
                images:
                  - name: ordermesh/inventory
                    newTag: "2"
                configMapGenerator:
                  - name: ordermesh-config
                    behavior: merge
                    literals:
                      - QUARKUS_REDIS_HOST=redis://cache:6379
                  - name: ordermesh-settings
                    behavior: merge
                    literals:
                      - A=b
                patches:
                  - path: patches/absent.yaml
                  - target:
                      kind: Deployment
                      name: inventory-api
                    patch: |-
                      - op: replace
                        path: /spec/replicas
                        value: 2
                  - target:
                      kind: HorizontalPodAutoscaler
                      name: ims-api
                    patch: |-
                      - op: replace
                        path: /spec/minReplica
                        value: 2
                """);
        Files.delete(base.resolve("oms-api/pdb.yaml"));
        List<String> p = Kustomize.build(overlay).problems;
        assertDetected(p, "field 'commonLabels' is deprecated");
        assertDetected(p, "resource missing.yaml does not exist");
        assertDetected(p, "resource pdb.yaml does not exist");
        assertDetected(p, "component ../../components/nowhere does not exist");
        assertDetected(p, "image ordermesh/inventory is used by no container");
        assertDetected(p, "merges key QUARKUS_REDIS_HOST that the base does not define");
        assertDetected(p, "ConfigMap ordermesh-settings is merged but the base does not generate it");
        assertDetected(p, "patch patches/absent.yaml does not exist");
        assertDetected(p, "patch targets Deployment/inventory-api, which no resource is");
        assertDetected(p, "replace /spec/minReplica: nothing there");
    }

    @Test
    void aSecretOrSecretGeneratorInTheRepositoryIsDetected(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("secret.yaml"), """
                apiVersion: v1
                kind: Secret
                metadata:
                  name: ordermesh-postgres
                stringData:
                  password: hunter2
                """);
        Files.writeString(tmp.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - secret.yaml
                secretGenerator:
                  - name: ordermesh-aws
                    literals:
                      - access-key-id=AKIA
                """);
        Kustomize.Result r = Kustomize.build(tmp);
        assertDetected(r.problems, "field 'secretGenerator'");
        assertDetected(rules(r).configReferences(), "Secret ordermesh-postgres: secret values do not belong in the repository");
    }

    @Test
    void patchesAreAppliedLikeKustomizeWould() {
        Kustomize.Result r = build("overlays/production");
        JsonNode oms = r.find("Deployment", "oms-api");
        // strategic merge keeps the base container fields and merges the volume by name
        assertEquals("/q/health/ready", oms.at("/spec/template/spec/containers/0/readinessProbe/httpGet/path").asText());
        assertEquals("2", oms.at("/spec/template/spec/containers/0/resources/limits/cpu").asText());
        assertEquals(1, oms.at("/spec/template/spec/volumes").size());
        assertEquals("4Gi", oms.at("/spec/template/spec/volumes/0/emptyDir/sizeLimit").asText());
        // JSON 6902 removed the LocalStack endpoint from the SQS trigger
        assertTrue(r.find("ScaledObject", "csv-processor").at("/spec/triggers/0/metadata/awsEndpoint").isMissingNode());
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
