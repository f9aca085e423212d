package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Sends requests to a running demo over real HTTP and reads the answers with Jackson; also makes the
 * users, products and sessions that tests need as a starting point.
 */
final class ApiClient {

    /** Reads decimals exactly, so that a price of 19.99 compares as 19.99 and not as a double. */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private final URI baseUri;

    ApiClient(URI baseUri) {
        this.baseUri = baseUri;
    }

    Response get(String path) {
        return send("GET", path, null);
    }

    Response post(String path, JsonNode body) {
        return send("POST", path, body.toString());
    }

    /** Posts text as it is, for bodies that are not valid JSON objects. */
    Response postRaw(String path, String body) {
        return send("POST", path, body);
    }

    Response put(String path, JsonNode body, String... headerNamesAndValues) {
        return send("PUT", path, body.toString(), headerNamesAndValues);
    }

    Response delete(String path) {
        return send("DELETE", path, null);
    }

    /** Sends one request; a null body sends none, any other body is sent as {@code application/json}. */
    Response send(String method, String path, String body, String... headerNamesAndValues) {
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri.resolve(path))
                .timeout(TIMEOUT)
                .header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        for (int i = 0; i < headerNamesAndValues.length; i += 2) {
            request.header(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Response(method + " " + path, response);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " was interrupted", e);
        }
    }

    // ---- fixtures -------------------------------------------------------------------------------

    /** An email address that no other test of any run uses. */
    static String uniqueEmail() {
        return "user-" + UUID.randomUUID() + "@example.com";
    }

    /** A SKU that no other test of any run uses (well under the 64-character limit). */
    static String uniqueSku() {
        return "SKU-" + UUID.randomUUID();
    }

    /** A JSON object from alternating names and values; a null value is written as JSON null. */
    static ObjectNode object(Object... namesAndValues) {
        ObjectNode node = JSON.createObjectNode();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            node.set((String) namesAndValues[i], JSON.valueToTree(namesAndValues[i + 1]));
        }
        return node;
    }

    static ObjectNode userBody(String email, String name) {
        return object("email", email, "name", name);
    }

    static ObjectNode productBody(String sku, String name, String description, BigDecimal price) {
        return object("sku", sku, "name", name, "description", description, "price", price);
    }

    /** Creates a user with a unique email and returns the stored object. */
    JsonNode createUser() {
        return created(post("/api/users", userBody(uniqueEmail(), "Ada Lovelace")));
    }

    /** Creates a product with a unique SKU and returns the stored object. */
    JsonNode createProduct() {
        return created(post("/api/products", productBody(uniqueSku(), "Teapot", "Short and stout", new BigDecimal("19.99"))));
    }

    /** Opens a session for the user and returns it. */
    JsonNode createSession(long userId) {
        return created(post("/api/sessions", object("userId", userId)));
    }

    private static JsonNode created(Response response) {
        assertThat(response.status()).as("fixture %s", response).isEqualTo(201);
        return response.json();
    }

    /** The names of an object's fields, in the order written. */
    static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The {@code id} of each object of a JSON array, in order. */
    static List<Long> ids(JsonNode array) {
        assertThat(array.isArray()).as("a JSON array: %s", array).isTrue();
        List<Long> ids = new ArrayList<>();
        array.forEach(element -> ids.add(element.get("id").asLong()));
        return ids;
    }

    /** Reads an instant written either as ISO-8601 text or as epoch seconds (Jackson's numeric form). */
    static Instant instant(JsonNode node) {
        assertThat(node).as("instant").isNotNull();
        assertThat(node.isNull()).as("instant is JSON null").isFalse();
        if (node.isNumber()) {
            BigDecimal seconds = node.decimalValue();
            return Instant.ofEpochSecond(seconds.longValue(),
                    seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
        }
        return Instant.parse(node.asText());
    }

    /** One answer: its status, headers and body text, with the request it answered for messages. */
    record Response(String request, HttpResponse<String> raw) {

        int status() {
            return raw.statusCode();
        }

        String body() {
            return raw.body();
        }

        Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }

        String contentType() {
            return header("Content-Type").orElse("");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body());
            } catch (JsonProcessingException e) {
                throw new AssertionError(this + ": body is not JSON", e);
            }
        }

        @Override
        public String toString() {
            String body = body() == null ? "" : body();
            return request + " -> " + status() + " " + contentType() + " "
                    + (body.length() > 500 ? body.substring(0, 500) + "…(" + body.length() + " chars)" : body);
        }
    }
}
