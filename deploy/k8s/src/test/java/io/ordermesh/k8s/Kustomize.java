package io.ordermesh.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small kustomize for tests: resolves a kustomization directory (resources, components,
 * configMapGenerator, patches as strategic merge or JSON 6902, images, namespace) into plain
 * resources, and records every reference that does not resolve instead of failing on the first.
 * It covers what deploy/k8s uses; anything else in a kustomization.yaml is reported, so a new
 * feature cannot slip past the checks unresolved.
 */
final class Kustomize {

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> KNOWN_FIELDS = Set.of("apiVersion", "kind", "namespace", "resources",
            "components", "patches", "configMapGenerator", "images", "generatorOptions");

    /** The outcome of a build: rendered resources and every problem found on the way. */
    static final class Result {
        final List<ObjectNode> resources = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final List<Path> kustomizations = new ArrayList<>();

        List<HasMetadata> typed() {
            List<HasMetadata> out = new ArrayList<>();
            for (ObjectNode r : resources) {
                out.add(Serialization.unmarshal(r.toString()));
            }
            return out;
        }

        ObjectNode find(String kind, String name) {
            return resources.stream()
                    .filter(r -> kind.equals(r.path("kind").asText()) && name.equals(r.path("metadata").path("name").asText()))
                    .findFirst().orElse(null);
        }
    }

    private Kustomize() {
    }

    static Result build(Path dir) {
        Result result = new Result();
        build(dir, "Kustomization", result);
        return result;
    }

    /** Every YAML document of a file (multi-document files split on ---). */
    static List<JsonNode> readDocuments(Path file) {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            List<JsonNode> docs = new ArrayList<>();
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    private static void build(Path dir, String expectedKind, Result out) {
        Path file = dir.resolve("kustomization.yaml");
        if (!Files.isRegularFile(file)) {
            out.problems.add(dir + ": no kustomization.yaml");
            return;
        }
        out.kustomizations.add(file);
        JsonNode k = readDocuments(file).get(0);
        String where = file.toString();
        if (!expectedKind.equals(k.path("kind").asText())) {
            out.problems.add(where + ": kind is '" + k.path("kind").asText() + "', expected " + expectedKind);
        }
        k.fieldNames().forEachRemaining(f -> {
            if (!KNOWN_FIELDS.contains(f)) {
                out.problems.add(where + ": field '" + f + "' is deprecated, secret-bearing or not checked by this test");
            }
        });

        for (JsonNode entry : k.path("resources")) {
            String ref = entry.asText();
            if (ref.contains("://") || ref.startsWith("github.com/")) {
                out.problems.add(where + ": remote resource " + ref + " is not allowed");
                continue;
            }
            Path p = dir.resolve(ref).normalize();
            if (Files.isDirectory(p)) {
                build(p, "Kustomization", out);
            } else if (Files.isRegularFile(p)) {
                for (JsonNode doc : readDocuments(p)) {
                    if (!doc.isObject() || !doc.hasNonNull("kind") || !doc.path("metadata").hasNonNull("name")) {
                        out.problems.add(p + ": a document without kind or metadata.name");
                        continue;
                    }
                    out.resources.add((ObjectNode) doc);
                }
            } else {
                out.problems.add(where + ": resource " + ref + " does not exist");
            }
        }

        for (JsonNode gen : k.path("configMapGenerator")) {
            generateConfigMap(dir, where, gen, out);
        }

        for (JsonNode entry : k.path("components")) {
            Path p = dir.resolve(entry.asText()).normalize();
            if (!Files.isDirectory(p)) {
                out.problems.add(where + ": component " + entry.asText() + " does not exist");
                continue;
            }
            build(p, "Component", out);
        }

        for (JsonNode patch : k.path("patches")) {
            applyPatch(dir, where, patch, out);
        }

        for (JsonNode image : k.path("images")) {
            String name = image.path("name").asText();
            int hits = 0;
            for (ObjectNode r : out.resources) {
                for (JsonNode c : r.path("spec").path("template").path("spec").path("containers")) {
                    String img = c.path("image").asText();
                    String bare = img.contains("@") ? img.substring(0, img.indexOf('@'))
                            : img.lastIndexOf(':') > img.lastIndexOf('/') ? img.substring(0, img.lastIndexOf(':')) : img;
                    if (bare.equals(name)) {
                        String tag = image.has("newTag") ? image.get("newTag").asText()
                                : img.substring(bare.length()).replaceFirst("^:", "");
                        String newName = image.path("newName").asText(name);
                        ((ObjectNode) c).put("image", tag.isEmpty() ? newName : newName + ":" + tag);
                        hits++;
                    }
                }
            }
            if (hits == 0) {
                out.problems.add(where + ": image " + name + " is used by no container");
            }
        }

        if (k.hasNonNull("namespace")) {
            for (ObjectNode r : out.resources) {
                ((ObjectNode) r.with("metadata")).put("namespace", k.get("namespace").asText());
            }
        }
    }

    private static void generateConfigMap(Path dir, String where, JsonNode gen, Result out) {
        String name = gen.path("name").asText();
        String behavior = gen.path("behavior").asText("create");
        Map<String, String> data = new LinkedHashMap<>();
        for (JsonNode env : gen.path("envs")) {
            Path p = dir.resolve(env.asText()).normalize();
            if (!Files.isRegularFile(p)) {
                out.problems.add(where + ": env file " + env.asText() + " of ConfigMap " + name + " does not exist");
                continue;
            }
            try {
                for (String line : Files.readAllLines(p)) {
                    String l = line.strip();
                    if (l.isEmpty() || l.startsWith("#")) {
                        continue;
                    }
                    int eq = l.indexOf('=');
                    if (eq <= 0) {
                        out.problems.add(p + ": not KEY=value: " + l);
                        continue;
                    }
                    data.put(l.substring(0, eq), l.substring(eq + 1));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (JsonNode lit : gen.path("literals")) {
            String l = lit.asText();
            int eq = l.indexOf('=');
            data.put(l.substring(0, eq), l.substring(eq + 1));
        }
        if (gen.has("files")) {
            out.problems.add(where + ": configMapGenerator files are not checked by this test");
        }
        ObjectNode existing = out.resources.stream()
                .filter(r -> "ConfigMap".equals(r.path("kind").asText()) && name.equals(r.path("metadata").path("name").asText()))
                .findFirst().orElse(null);
        switch (behavior) {
            case "create" -> {
                if (existing != null) {
                    out.problems.add(where + ": ConfigMap " + name + " is generated twice (use behavior: merge)");
                    return;
                }
                ObjectNode cm = JsonNodeFactory.instance.objectNode();
                cm.put("apiVersion", "v1");
                cm.put("kind", "ConfigMap");
                ObjectNode meta = cm.putObject("metadata");
                meta.put("name", name);
                if (gen.path("options").has("labels")) {
                    meta.set("labels", gen.path("options").path("labels").deepCopy());
                }
                ObjectNode d = cm.putObject("data");
                data.forEach(d::put);
                out.resources.add(cm);
            }
            case "merge", "replace" -> {
                if (existing == null) {
                    out.problems.add(where + ": ConfigMap " + name + " is merged but the base does not generate it");
                    return;
                }
                ObjectNode d = existing.with("data");
                if ("replace".equals(behavior)) {
                    d.removeAll();
                }
                for (var e : data.entrySet()) {
                    if ("merge".equals(behavior) && !d.has(e.getKey())) {
                        out.problems.add(where + ": ConfigMap " + name + " merges key " + e.getKey()
                                + " that the base does not define (a typo would be silently ignored by the services)");
                    }
                    d.put(e.getKey(), e.getValue());
                }
            }
            default -> out.problems.add(where + ": unknown configMapGenerator behavior " + behavior);
        }
    }

    private static void applyPatch(Path dir, String where, JsonNode patch, Result out) {
        JsonNode body;
        if (patch.has("path")) {
            Path p = dir.resolve(patch.get("path").asText()).normalize();
            if (!Files.isRegularFile(p)) {
                out.problems.add(where + ": patch " + patch.get("path").asText() + " does not exist");
                return;
            }
            List<JsonNode> docs = readDocuments(p);
            body = docs.isEmpty() ? null : docs.get(0);
        } else if (patch.has("patch")) {
            try {
                body = YAML.readTree(patch.get("patch").asText());
            } catch (IOException e) {
                out.problems.add(where + ": inline patch is not YAML: " + e.getMessage());
                return;
            }
        } else {
            out.problems.add(where + ": patch without path or patch");
            return;
        }
        if (body == null) {
            out.problems.add(where + ": empty patch");
            return;
        }
        JsonNode target = patch.path("target");
        String kind;
        String name;
        String group = null;
        String version = null;
        if (!target.isMissingNode()) {
            if (target.has("labelSelector") || target.has("annotationSelector")) {
                out.problems.add(where + ": patch target selectors by label are not checked by this test");
                return;
            }
            kind = target.path("kind").asText(null);
            name = target.path("name").asText(null);
            group = target.path("group").asText(null);
            version = target.path("version").asText(null);
        } else if (body.isObject()) {
            kind = body.path("kind").asText(null);
            name = body.path("metadata").path("name").asText(null);
            String apiVersion = body.path("apiVersion").asText("");
            group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
        } else {
            out.problems.add(where + ": a JSON 6902 patch needs a target");
            return;
        }
        if (kind == null) {
            out.problems.add(where + ": patch target without kind");
            return;
        }
        List<ObjectNode> matches = new ArrayList<>();
        for (ObjectNode r : out.resources) {
            String apiVersion = r.path("apiVersion").asText();
            String g = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String v = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            if (kind.equals(r.path("kind").asText())
                    && (name == null || name.equals(r.path("metadata").path("name").asText()))
                    && (group == null || group.equals(g))
                    && (version == null || version.equals(v))) {
                matches.add(r);
            }
        }
        String what = kind + (name == null ? "" : "/" + name) + (group == null ? "" : " (group " + group + ")");
        if (matches.isEmpty()) {
            out.problems.add(where + ": patch targets " + what + ", which no resource is");
            return;
        }
        for (ObjectNode r : matches) {
            if (body.isArray()) {
                for (JsonNode op : body) {
                    String problem = jsonPatch(r, op);
                    if (problem != null) {
                        out.problems.add(where + ": patch of " + what + ": " + problem);
                    }
                }
            } else {
                strategicMerge(r, (ObjectNode) body);
            }
        }
    }

    /** JSON 6902 add, replace and remove; answers a problem or null. */
    static String jsonPatch(ObjectNode doc, JsonNode op) {
        String kind = op.path("op").asText();
        String path = op.path("path").asText();
        List<String> tokens = new ArrayList<>();
        for (String t : path.substring(1).split("/", -1)) {
            tokens.add(t.replace("~1", "/").replace("~0", "~"));
        }
        JsonNode parent = doc;
        for (int i = 0; i < tokens.size() - 1; i++) {
            parent = parent.isArray() ? parent.path(Integer.parseInt(tokens.get(i))) : parent.path(tokens.get(i));
            if (parent.isMissingNode()) {
                return kind + " " + path + ": parent does not exist";
            }
        }
        String last = tokens.get(tokens.size() - 1);
        JsonNode value = op.get("value");
        if (parent instanceof ObjectNode o) {
            boolean exists = o.has(last);
            switch (kind) {
                case "add" -> o.set(last, value);
                case "replace" -> {
                    if (!exists) {
                        return "replace " + path + ": nothing there";
                    }
                    o.set(last, value);
                }
                case "remove" -> {
                    if (!exists) {
                        return "remove " + path + ": nothing there";
                    }
                    o.remove(last);
                }
                default -> {
                    return "unsupported op " + kind;
                }
            }
        } else if (parent instanceof ArrayNode a) {
            int idx = "-".equals(last) ? a.size() : Integer.parseInt(last);
            switch (kind) {
                case "add" -> a.insert(idx, value);
                case "replace" -> {
                    if (idx >= a.size()) {
                        return "replace " + path + ": nothing there";
                    }
                    a.set(idx, value);
                }
                case "remove" -> {
                    if (idx >= a.size()) {
                        return "remove " + path + ": nothing there";
                    }
                    a.remove(idx);
                }
                default -> {
                    return "unsupported op " + kind;
                }
            }
        } else {
            return kind + " " + path + ": parent is not an object or array";
        }
        return null;
    }

    /**
     * Strategic merge as far as these manifests need it: objects merge, null deletes, lists of
     * objects with a name (containers, env, ports, volumes, volumeMounts) merge by name, other
     * lists are replaced.
     */
    static void strategicMerge(ObjectNode target, ObjectNode patch) {
        Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
        while (it.hasNext()) {
            var e = it.next();
            String key = e.getKey();
            JsonNode pv = e.getValue();
            JsonNode tv = target.get(key);
            if (pv.isNull()) {
                target.remove(key);
            } else if (pv.isObject() && tv != null && tv.isObject()) {
                strategicMerge((ObjectNode) tv, (ObjectNode) pv);
            } else if (pv.isArray() && tv != null && tv.isArray() && namedList(pv) && namedList(tv)) {
                ArrayNode ta = (ArrayNode) tv;
                for (JsonNode item : pv) {
                    String n = item.get("name").asText();
                    JsonNode existing = null;
                    for (JsonNode t : ta) {
                        if (n.equals(t.get("name").asText())) {
                            existing = t;
                        }
                    }
                    if (existing == null) {
                        ta.add(item.deepCopy());
                    } else {
                        strategicMerge((ObjectNode) existing, (ObjectNode) item);
                    }
                }
            } else {
                target.set(key, pv.deepCopy());
            }
        }
    }

    private static boolean namedList(JsonNode a) {
        if (a.isEmpty()) {
            return false;
        }
        for (JsonNode n : a) {
            if (!n.isObject() || !(n.get("name") instanceof TextNode)) {
                return false;
            }
        }
        return true;
    }
}
