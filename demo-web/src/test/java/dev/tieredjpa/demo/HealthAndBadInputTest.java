package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiAssertions.assertError;
import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.uniqueEmail;
import static dev.tieredjpa.demo.ApiClient.uniqueSku;
import static dev.tieredjpa.demo.ApiClient.userBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /health}, and the refusals that every endpoint shares: whatever a client sends, the answer is a
 * 4xx with a JSON error body, never a 500 and never a stack trace.
 */
class HealthAndBadInputTest {

    private static final String NODE_NAME = "health-node";

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start(NODE_NAME);
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    // ---- health -------------------------------------------------------------------------------------

    @Test
    void health_databaseAndRedisReachable_returns200UpWithNodeName() {
        ApiClient.Response response = api.get("/health");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        JsonNode health = response.json();
        assertThat(health.path("status").asText()).as("%s", response).isEqualTo("UP");
        assertThat(health.path("db").isObject()).as("db is an object in %s", response).isTrue();
        assertThat(health.path("db").path("status").asText()).as("%s", response).isEqualTo("UP");
        assertThat(health.path("redis").isObject()).as("redis is an object in %s", response).isTrue();
        assertThat(health.path("redis").path("status").asText()).as("%s", response).isEqualTo("UP");
        assertThat(health.path("node").asText()).as("%s", response).isEqualTo(NODE_NAME);
    }

    // ---- bodies that are not a JSON object ----------------------------------------------------------

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/api/users", "/api/products", "/api/sessions"})
    void post_malformedJson_returns400(String path) {
        assertError(api.postRaw(path, "{\"email\": \"a@example.com\", \"name\": "), 400);
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/api/users", "/api/products", "/api/sessions"})
    void post_jsonArrayInsteadOfObject_returns400(String path) {
        assertError(api.postRaw(path, "[{\"email\": \"" + uniqueEmail() + "\", \"name\": \"Ada\"}]"), 400);
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/api/users", "/api/products", "/api/sessions"})
    void post_jsonStringInsteadOfObject_returns400(String path) {
        assertError(api.postRaw(path, "\"hello\""), 400);
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/api/users", "/api/products", "/api/sessions"})
    void post_emptyBody_returns400(String path) {
        assertError(api.postRaw(path, ""), 400);
    }

    @Test
    void put_malformedJson_returns400() {
        long id = api.createUser().get("id").asLong();

        assertError(api.send("PUT", "/api/users/" + id, "{\"email\": "), 400);
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(strings = {"/api/users", "/api/products", "/api/sessions"})
    void post_bodyOf2Megabytes_returns413(String path) {
        // A well-formed object whose only fault is its size: a server without a limit would answer 400 (name too long).
        String body = "{\"email\": \"" + uniqueEmail() + "\", \"name\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}";

        assertError(api.postRaw(path, body), 413);
    }

    /**
     * A body the server refuses or never reads (413, 404, 405) is drained before the connection closes, so
     * the answer reaches the client. Without the drain, the close reset the connection and wiped the answer
     * in about 3% of tries: 100 tries of each kind then failed almost surely.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("requestsWhoseBodyIsNotRead")
    void unreadBody_everyTry_getsItsAnswer(String method, String path, int expectedStatus) {
        String body = "[".repeat(300 * 1024);
        for (int attempt = 1; attempt <= 100; attempt++) {
            ApiClient.Response response = api.send(method, path, body);
            assertThat(response.status()).as("try %d: %s", attempt, response).isEqualTo(expectedStatus);
        }
    }

    /**
     * Requests that Jetty refuses before the API sees them get the API's JSON error too, and say
     * {@code Connection: close}: Jetty closes the connection after them, and a client that pooled it sent
     * its next request into the closed socket (seen by ApiFuzzTest). Each refusal is followed by a request
     * that must be answered.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsJettyRefuses")
    void refusedByJetty_answersJsonAndClosesTheConnection_nextRequestAnswered(String path, int expectedStatus) {
        for (int attempt = 1; attempt <= 50; attempt++) {
            ApiClient.Response refused = api.get(path);
            assertError(refused, expectedStatus);
            assertThat(refused.header("Connection")).as("%s", refused).hasValue("close");
            // A POST: the JDK client retries a GET on a dead pooled connection, hiding the fault.
            assertError(api.postRaw("/api/users", ""), 400);
        }
    }

    static Stream<Arguments> requestsJettyRefuses() {
        return Stream.of(
                Arguments.of("/api/users/%00", 400),
                Arguments.of("/api/users?ids=" + "1,".repeat(6000), 414));
    }

    static Stream<Arguments> requestsWhoseBodyIsNotRead() {
        return Stream.of(
                Arguments.of("POST", "/api/users", 413),
                Arguments.of("OPTIONS", "/api/users/1", 404),
                Arguments.of("DELETE", "/api/nothing-here", 404));
    }

    // ---- ids that are not numbers --------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("nonNumericIdRequests")
    void byId_nonNumericId_returns400WithFieldId(String method, String path, String body) {
        assertError(api.send(method, path, body), 400, "id");
    }

    static Stream<Arguments> nonNumericIdRequests() {
        String user = userBody(uniqueEmail(), "Ada").toString();
        String product = productBody(uniqueSku(), "Cup", "A cup", BigDecimal.ONE).toString();
        return Stream.of(
                Arguments.of("GET", "/api/users/abc", null),
                Arguments.of("GET", "/api/users/1.5", null),
                Arguments.of("PUT", "/api/users/abc", user),
                Arguments.of("PUT", "/api/users/1.5", user),
                Arguments.of("DELETE", "/api/users/abc", null),
                Arguments.of("DELETE", "/api/users/1.5", null),
                Arguments.of("GET", "/api/products/abc", null),
                Arguments.of("GET", "/api/products/1.5", null),
                Arguments.of("PUT", "/api/products/abc", product),
                Arguments.of("PUT", "/api/products/1.5", product),
                Arguments.of("DELETE", "/api/products/abc", null),
                Arguments.of("DELETE", "/api/products/1.5", null));
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {"/api/users?ids=1,x", "/api/users?ids=1.5", "/api/products?ids=1,x", "/api/products?ids=abc"})
    void list_nonNumericIds_returns400WithFieldIds(String path) {
        assertError(api.get(path), 400, "ids");
    }

    // ---- If-Match that is not a version --------------------------------------------------------------

    @ParameterizedTest(name = "If-Match: {0}")
    @ValueSource(strings = {"\"abc\"", "abc", "W/\"x\""})
    void updateUser_ifMatchNotANumber_returns400(String ifMatch) {
        JsonNode user = api.createUser();

        ApiClient.Response response = api.put("/api/users/" + user.get("id").asLong(),
                userBody(user.get("email").asText(), "Ada"), "If-Match", ifMatch);

        assertError(response, 400);
        assertThat(api.get("/api/users/" + user.get("id").asLong()).json()).as("user after the refused update").isEqualTo(user);
    }

    @Test
    void updateProduct_ifMatchNotANumber_returns400() {
        JsonNode product = api.createProduct();

        ApiClient.Response response = api.put("/api/products/" + product.get("id").asLong(),
                productBody(product.get("sku").asText(), "Cup", "A cup", BigDecimal.TEN), "If-Match", "\"abc\"");

        assertError(response, 400);
    }
}
