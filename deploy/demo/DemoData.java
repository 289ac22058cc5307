import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a demo tenant through the services' own APIs: a tenant, a seller, a hub and three SKUs with
 * stock. Idempotent: the ids are kept in HOME/demo.env and reused while the tenant exists.
 * Run by ./ordermesh up as {@code java deploy/demo/DemoData.java .local} (a JDK runs it as is).
 */
public class DemoData {

    static final String IMS = System.getProperty("ims.url", "http://127.0.0.1:8081");
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    public static void main(String[] args) throws Exception {
        Path env = Path.of(args.length > 0 ? args[0] : ".local").resolve("demo.env");
        if (Files.exists(env)) {
            String tenant = value(Files.readAllLines(env), "TENANT_ID");
            if (tenant != null && send("GET", "/tenants/" + tenant, null, null).statusCode() == 200) {
                System.out.println("demo data already loaded (" + env + ")");
                print(Files.readAllLines(env));
                return;
            }
        }
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        String tenant = create("/tenants", null, "{\"code\":\"demo-" + suffix + "\",\"name\":\"Demo Marketplace\"}");
        String seller = create("/sellers", tenant, "{\"code\":\"acme\",\"name\":\"Acme Supplies\"}");
        String hub = create("/hubs", tenant, "{\"code\":\"blr-1\",\"name\":\"Bengaluru Hub 1\"}");
        List<String> skus = new ArrayList<>();
        String[][] catalogue = {{"TEA-250", "Assam Tea 250 g", "4.50"}, {"MUG-01", "Enamel Mug", "7.90"}, {"KETTLE-1", "Kettle 1 l", "24.00"}};
        for (String[] s : catalogue) {
            String sku = create("/skus", tenant, "{\"code\":\"" + s[0] + "\",\"name\":\"" + s[1] + "\",\"seller_id\":\"" + seller
                    + "\",\"price\":" + s[2] + "}");
            skus.add(sku);
            HttpResponse<String> r = send("PUT", "/inventory", tenant, "{\"hub_id\":\"" + hub + "\",\"sku_id\":\"" + sku
                    + "\",\"quantity_on_hand\":100,\"reason\":\"demo stock\"}");
            check(r, 200);
        }
        List<String> lines = List.of("TENANT_ID=" + tenant, "SELLER_ID=" + seller, "HUB_ID=" + hub,
                "SKU_IDS=" + String.join(",", skus));
        Files.createDirectories(env.getParent());
        Files.write(env, lines);
        System.out.println("demo data loaded (" + env + ")");
        print(lines);
    }

    static void print(List<String> lines) {
        lines.forEach(l -> System.out.println("  " + l));
        String tenant = value(lines, "TENANT_ID");
        String hub = value(lines, "HUB_ID");
        String sku = value(lines, "SKU_IDS").split(",")[0];
        System.out.println("  try: curl -s -H 'X-Tenant-ID: " + tenant + "' '" + IMS + "/inventory?hub_id=" + hub + "&sku_ids=" + sku + "'");
    }

    static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst().orElse(null);
    }

    static String create(String path, String tenant, String body) throws Exception {
        HttpResponse<String> r = send("POST", path, tenant, body);
        check(r, 201);
        Matcher m = ID.matcher(r.body());
        if (!m.find()) {
            throw new IllegalStateException("no id in the answer of POST " + path + ": " + r.body());
        }
        return m.group(1);
    }

    static void check(HttpResponse<String> r, int expected) {
        if (r.statusCode() != expected) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    static HttpResponse<String> send(String method, String path, String tenant, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(IMS + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (tenant != null) {
            b.header("X-Tenant-ID", tenant);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
