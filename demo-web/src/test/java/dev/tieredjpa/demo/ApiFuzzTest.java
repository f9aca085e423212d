package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tieredjpa.domain.Product;
import dev.tieredjpa.domain.User;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JSON API under random and hostile input: random JSON of every shape, valid bodies with one field
 * made wrong, unknown fields, huge and tiny numbers, deep nesting, invalid UTF-8, bodies of 10 MB, odd
 * content types, and every verb on every path. Fails on any 5xx, on any request that takes longer than
 * {@link #PER_REQUEST} (a hang), on a service that is not healthy afterwards, and on any row in the
 * database that its entity's constraints would refuse.
 *
 * <p>The requests are drawn from a seeded random generator, so a failure names its seed and request number
 * and reproduces with {@code -Dfuzz.seed=<seed>}.
 */
class ApiFuzzTest {

    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    private static final int REQUESTS = 1_500;
    private static final Duration PER_REQUEST = Duration.ofSeconds(10);
    private static final List<String> VERBS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    private static final List<String> FIELDS = List.of("email", "name", "sku", "description", "price", "userId",
            "version", "id", "token", "expiresAt", "__proto__", "", "émail", "name\u0000");

    private static RunningDemo demo;
    private static HttpClient http;
    private static long userId;
    private static long productId;
    private static String token;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("fuzz-node");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PER_REQUEST).build();
        ApiClient api = demo.client();
        userId = api.post("/api/users", ApiClient.userBody(ApiClient.uniqueEmail(), "Ada")).json().path("id").asLong();
        productId = api.post("/api/products", ApiClient.productBody(ApiClient.uniqueSku(), "Cup", "A cup", BigDecimal.TEN))
                .json().path("id").asLong();
        token = api.post("/api/sessions", ApiClient.object("userId", userId)).json().path("token").asText();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void randomAndHostileRequests_neverA5xxNorAHang_serviceStaysHealthy_onlyValidRowsStored() throws Exception {
        Random random = new Random(SEED);
        List<String> failures = new ArrayList<>();
        int answered = 0;
        for (int n = 0; n < REQUESTS && failures.size() < 20; n++) {
            Request request = randomRequest(random);
            String verdict = judge(request);
            if (verdict == null) {
                answered++;
            } else {
                failures.add("#" + n + " " + request + ": " + verdict);
            }
        }
        for (String verb : VERBS) {
            for (String path : paths()) {
                String verdict = judge(new Request(verb, path, validBody(path).getBytes(StandardCharsets.UTF_8), "application/json"));
                if (verdict != null) {
                    failures.add(verb + " " + path + ": " + verdict);
                }
            }
        }

        assertThat(failures).as("requests answered 5xx, or not in %s (seed %d; %d answered fine)", PER_REQUEST, SEED, answered)
                .isEmpty();
        ApiClient.Response health = demo.client().get("/health");
        assertThat(health.status()).as("%s", health).isEqualTo(200);
        assertThat(health.json().path("status").asText()).as("%s", health).isEqualTo("UP");
        // Still serving: a new user is created and read back (the fuzzer may have deleted the seeded ones).
        ApiClient.Response created = demo.client().post("/api/users", ApiClient.userBody(ApiClient.uniqueEmail(), "Grace"));
        assertThat(created.status()).as("%s", created).isEqualTo(201);
        assertThat(demo.client().get("/api/users/" + created.json().path("id").asLong()).status()).isEqualTo(200);
        assertThat(invalidRows()).as("rows the entities' constraints refuse (seed %d)", SEED).isEmpty();
    }

    /**
     * Null when the answer is acceptable, else why not. A transport failure counts: the server drains a
     * body it does not read (UnreadBodyDrain), so that even a refused request gets its answer.
     */
    private static String judge(Request request) {
        try {
            HttpResponse<String> response = http.send(build(request), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() >= 500 ? "answered " + response.statusCode() + " " + abbreviate(response.body()) : null;
        } catch (HttpTimeoutException e) {
            return "no answer within " + PER_REQUEST;
        } catch (IOException e) {
            return "no answer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static HttpRequest build(Request request) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(demo.baseUri().resolve(request.path()))
                .timeout(PER_REQUEST)
                .method(request.verb(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(request.body()));
        if (request.contentType() != null) {
            builder.header("Content-Type", request.contentType());
        }
        return builder.build();
    }

    private record Request(String verb, String path, byte[] body, String contentType) {
        @Override
        public String toString() {
            String shown = body == null ? "(no body)" : body.length > 200 ? body.length + " bytes"
                    : new String(body, StandardCharsets.UTF_8);
            return verb + " " + path + " [" + contentType + "] " + shown;
        }
    }

    private static Request randomRequest(Random random) {
        String verb = pick(random, VERBS);
        String path = randomPath(random);
        byte[] body = switch (random.nextInt(10)) {
            case 0 -> null;
            case 1 -> malformed(random);
            case 2 -> random.nextInt(20) == 0 ? tenMegabytes() : deepNesting(random);
            case 3, 4 -> jsonValue(random, 0).getBytes(StandardCharsets.UTF_8);
            default -> mutatedValidBody(random, path).getBytes(StandardCharsets.UTF_8);
        };
        String contentType = pick(random, List.of("application/json", "application/json", "application/json; charset=UTF-8",
                "text/plain", "application/x-www-form-urlencoded", "application/json; charset=ISO-8859-1", ""));
        return new Request(verb, path, body, contentType.isEmpty() ? null : contentType);
    }

    private static List<String> paths() {
        return List.of("/api/users", "/api/users/" + userId, "/api/users?ids=" + userId + ",2,3", "/api/products",
                "/api/products/" + productId, "/api/products?ids=" + productId, "/api/sessions", "/api/sessions/" + token,
                "/api/cache/stats", "/metrics", "/health", "/", "/products", "/product?id=" + productId, "/stats",
                "/api/nothing-here", "/api/users/" + userId + "/extra");
    }

    private static String randomPath(Random random) {
        if (random.nextInt(3) == 0) {
            return pick(random, paths());
        }
        String collection = pick(random, List.of("/api/users", "/api/products", "/api/sessions"));
        String id = pick(random, List.of(String.valueOf(userId), String.valueOf(productId), token, "0", "-1",
                "99999999999999999999999", "1e3", "abc", "%00", "%F0%9F%92%A9", "..%2F..%2Fetc%2Fpasswd",
                "1;DROP%20TABLE%20users", "x".repeat(5000), "%201"));
        return switch (random.nextInt(4)) {
            case 0 -> collection;
            case 1 -> collection + "?ids=" + id + "," + id;
            case 2 -> collection + "?ids=" + ",".repeat(random.nextInt(3000));
            default -> collection + "/" + id;
        };
    }

    private static String validBody(String path) {
        if (path.startsWith("/api/products")) {
            return ApiClient.productBody(ApiClient.uniqueSku(), "Cup", "A cup", BigDecimal.ONE).toString();
        }
        if (path.startsWith("/api/sessions")) {
            return ApiClient.object("userId", userId).toString();
        }
        return ApiClient.userBody(ApiClient.uniqueEmail(), "Ada").toString();
    }

    /** A valid body for the path with one field changed, dropped or added. */
    private static String mutatedValidBody(Random random, String path) {
        ObjectNode body;
        try {
            body = (ObjectNode) ApiClient.JSON.readTree(validBody(path));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        String field = random.nextInt(4) == 0 ? pick(random, FIELDS) : pick(random, names);
        switch (random.nextInt(3)) {
            case 0 -> body.remove(field);
            case 1 -> body.set(field, ApiClient.JSON.getNodeFactory().nullNode());
            default -> {
                String raw = body.toString();
                String value = jsonValue(random, 3);
                String inserted = "\"" + field.replace("\\", "\\\\").replace("\"", "\\\"").replace("\u0000", "\\u0000")
                        + "\":" + value;
                return raw.length() <= 2 ? "{" + inserted + "}" : "{" + inserted + "," + raw.substring(1);
            }
        }
        return body.toString();
    }

    /** Any JSON value, written by hand so that it can hold numbers no parser would produce. */
    private static String jsonValue(Random random, int depth) {
        int kind = depth > 5 ? 2 + random.nextInt(4) : random.nextInt(6);
        return switch (kind) {
            case 0 -> {
                StringBuilder object = new StringBuilder("{");
                int fields = random.nextInt(5);
                for (int i = 0; i < fields; i++) {
                    object.append(i == 0 ? "" : ",").append(jsonString(pick(random, FIELDS))).append(':')
                            .append(jsonValue(random, depth + 1));
                }
                yield object.append('}').toString();
            }
            case 1 -> {
                StringBuilder array = new StringBuilder("[");
                int items = random.nextInt(5);
                for (int i = 0; i < items; i++) {
                    array.append(i == 0 ? "" : ",").append(jsonValue(random, depth + 1));
                }
                yield array.append(']').toString();
            }
            case 2 -> pick(random, List.of("0", "-1", "1", "0.001", "12.345", "1e400", "-1e400", "1e-400",
                    "123456789012345678901234567890", "-9223372036854775809", "9223372036854775807", "1.0E+2", "-0",
                    "99999999999.99", "0.1234567890123456789"));
            case 3 -> jsonString(pick(random, List.of("", " ", "a@b", "ada@example.com", "x".repeat(300), "x".repeat(5000),
                    "\u0000", "💩", "名前", "<script>alert(1)</script>", "' OR 1=1 --", "\u202Eevil", "null")));
            case 4 -> pick(random, List.of("true", "false", "null"));
            default -> jsonString(Long.toString(random.nextLong()));
        };
    }

    private static String jsonString(String text) {
        try {
            return ApiClient.JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] malformed(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> new byte[] {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
            case 1 -> new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'};
            case 2 -> new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
            case 3 -> "{\"email\": \"a@b.c\", \"name\": ".getBytes(StandardCharsets.UTF_8);
            case 4 -> "{\"email\": \"a@b.c\",, }".getBytes(StandardCharsets.UTF_8);
            case 5 -> "{'email': 'single@quotes.example'}".getBytes(StandardCharsets.UTF_8);
            case 6 -> {
                byte[] bytes = new byte[random.nextInt(2000)];
                random.nextBytes(bytes);
                yield bytes;
            }
            default -> "{\"name\": \"Ada\", \"name\": \"Bob\", \"email\": \"dup@example.com\"}".getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] deepNesting(Random random) {
        int depth = 1_000 + random.nextInt(100_000);
        String open = random.nextBoolean() ? "[" : "{\"a\":";
        String close = open.equals("[") ? "]" : "}";
        return (open.repeat(depth) + "1" + close.repeat(random.nextBoolean() ? depth : depth / 2))
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tenMegabytes() {
        return ("{\"name\": \"" + "x".repeat(10 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static String abbreviate(String text) {
        return text == null ? "" : text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /** Every user and product row that its entity's bean-validation constraints refuse, and orphan sessions. */
    private static List<String> invalidRows() throws SQLException {
        Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
        List<String> invalid = new ArrayList<>();
        DataSource pool = demo.database().newDataSource(1);
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet rows = statement.executeQuery("select id, email, name, created_at from users")) {
                while (rows.next()) {
                    User user = new User(rows.getString(2), rows.getString(3), rows.getTimestamp(4).toInstant());
                    validator.validate(user).forEach(v -> invalid.add("user " + idOf(rows) + ": " + v.getPropertyPath() + " " + v.getMessage()));
                }
            }
            try (ResultSet rows = statement.executeQuery("select id, sku, name, description, price, updated_at from products")) {
                while (rows.next()) {
                    Product product = new Product(rows.getString(2), rows.getString(3), rows.getString(4), rows.getBigDecimal(5),
                            rows.getTimestamp(6).toInstant());
                    validator.validate(product).forEach(v -> invalid.add("product " + idOf(rows) + ": " + v.getPropertyPath() + " " + v.getMessage()));
                }
            }
            try (ResultSet rows = statement.executeQuery(
                    "select s.token from user_sessions s left join users u on u.id = s.user_id where u.id is null or s.expires_at < s.created_at")) {
                while (rows.next()) {
                    invalid.add("session " + rows.getString(1) + ": no user, or expires before it was created");
                }
            }
            connection.rollback();
        }
        return invalid;
    }

    private static long idOf(ResultSet rows) {
        try {
            return rows.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }
}
