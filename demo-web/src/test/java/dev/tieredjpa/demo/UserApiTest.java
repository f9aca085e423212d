package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiAssertions.assertError;
import static dev.tieredjpa.demo.ApiClient.fieldNames;
import static dev.tieredjpa.demo.ApiClient.ids;
import static dev.tieredjpa.demo.ApiClient.instant;
import static dev.tieredjpa.demo.ApiClient.object;
import static dev.tieredjpa.demo.ApiClient.uniqueEmail;
import static dev.tieredjpa.demo.ApiClient.userBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code /api/users}: create, read, update with optimistic versions, delete, and read many by id. */
class UserApiTest {

    /** An id no test creates: the database is fresh and ids start at 1. */
    private static final long UNKNOWN_ID = 987_654_321L;

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("users-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    // ---- create -----------------------------------------------------------------------------------

    @Test
    void createUser_validBody_returns201WithStoredUserAndLocation() {
        String email = uniqueEmail();
        Instant before = Instant.now();

        ApiClient.Response response = api.post("/api/users", userBody(email, "Ada Lovelace"));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        JsonNode user = response.json();
        assertThat(fieldNames(user)).as("fields of %s", response)
                .containsExactlyInAnyOrder("id", "email", "name", "createdAt", "version");
        assertThat(user.get("id").isIntegralNumber()).as("id is an integer in %s", response).isTrue();
        assertThat(user.get("email").asText()).isEqualTo(email);
        assertThat(user.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(user.get("version").isIntegralNumber()).as("version is an integer in %s", response).isTrue();
        assertThat(instant(user.get("createdAt")))
                .isBetween(before.minus(Duration.ofSeconds(5)), Instant.now().plus(Duration.ofSeconds(5)));
        assertThat(response.header("Location")).as("Location of %s", response).isPresent();
        assertThat(URI.create(response.header("Location").orElseThrow()).getPath())
                .isEqualTo("/api/users/" + user.get("id").asLong());
    }

    @Test
    void createUser_nameOf200Characters_returns201() {
        String name = "n".repeat(200);

        ApiClient.Response response = api.post("/api/users", userBody(uniqueEmail(), name));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.json().get("name").asText()).isEqualTo(name);
    }

    @Test
    void createUser_duplicateEmail_returns409WithFieldEmail() {
        String email = uniqueEmail();
        api.post("/api/users", userBody(email, "First"));

        ApiClient.Response response = api.post("/api/users", userBody(email, "Second"));

        assertError(response, 409, "email");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUserBodies")
    void createUser_invalidBody_returns400NamingTheField(String condition, ObjectNode body, String field) {
        ApiClient.Response response = api.post("/api/users", body);

        assertError(response, 400, field);
    }

    static Stream<Arguments> invalidUserBodies() {
        return Stream.of(
                Arguments.of("missing email", object("name", "Ada"), "email"),
                Arguments.of("missing name", object("email", uniqueEmail()), "name"),
                Arguments.of("blank email", userBody("", "Ada"), "email"),
                Arguments.of("blank name", userBody(uniqueEmail(), "   "), "name"),
                Arguments.of("null name", userBody(uniqueEmail(), null), "name"),
                Arguments.of("invalid email", userBody("not-an-email", "Ada"), "email"),
                Arguments.of("name over 200 characters", userBody(uniqueEmail(), "n".repeat(201)), "name"),
                Arguments.of("name is a number", object("email", uniqueEmail(), "name", 5), "name"),
                Arguments.of("email is a boolean", object("email", true, "name", "Ada"), "email"),
                Arguments.of("unknown field", object("email", uniqueEmail(), "name", "Ada", "nickname", "Ace"), "nickname"));
    }

    // ---- read ---------------------------------------------------------------------------------------

    @Test
    void getUser_afterCreate_returns200WithTheStoredUser() {
        JsonNode created = api.createUser();

        ApiClient.Response response = api.get("/api/users/" + created.get("id").asLong());

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        assertThat(response.json()).isEqualTo(created);
    }

    @Test
    void getUser_unknownId_returns404() {
        assertError(api.get("/api/users/" + UNKNOWN_ID), 404);
    }

    @Test
    void listUsers_idsInAnOrder_returnsTheFoundOnesInThatOrder() {
        long first = api.createUser().get("id").asLong();
        long second = api.createUser().get("id").asLong();
        long third = api.createUser().get("id").asLong();

        ApiClient.Response response = api.get("/api/users?ids=" + third + "," + UNKNOWN_ID + "," + first + "," + second);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        assertThat(ids(response.json())).as("%s", response).containsExactly(third, first, second);
    }

    @Test
    void listUsers_onlyUnknownIds_returnsEmptyArray() {
        ApiClient.Response response = api.get("/api/users?ids=" + UNKNOWN_ID + "," + (UNKNOWN_ID + 1));

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().isArray()).as("%s", response).isTrue();
        assertThat(response.json()).as("%s", response).isEmpty();
    }

    // ---- update -------------------------------------------------------------------------------------

    @Test
    void updateUser_withoutVersion_returns200WithNewValuesAndIncrementedVersion() {
        JsonNode created = api.createUser();
        long id = created.get("id").asLong();
        String newEmail = uniqueEmail();

        ApiClient.Response response = api.put("/api/users/" + id, userBody(newEmail, "Ada King"));

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        JsonNode updated = response.json();
        assertThat(updated.get("id").asLong()).isEqualTo(id);
        assertThat(updated.get("email").asText()).isEqualTo(newEmail);
        assertThat(updated.get("name").asText()).isEqualTo("Ada King");
        assertThat(updated.get("version").asLong()).isEqualTo(created.get("version").asLong() + 1);
        assertThat(instant(updated.get("createdAt"))).isEqualTo(instant(created.get("createdAt")));
        assertThat(api.get("/api/users/" + id).json()).as("read after update").isEqualTo(updated);
    }

    @Test
    void updateUser_currentVersionInBody_returns200WithIncrementedVersion() {
        JsonNode created = api.createUser();
        long version = created.get("version").asLong();
        ObjectNode body = userBody(created.get("email").asText(), "Renamed").put("version", version);

        ApiClient.Response response = api.put("/api/users/" + created.get("id").asLong(), body);

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("name").asText()).isEqualTo("Renamed");
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateUser_ifMatchWithQuotedCurrentVersion_returns200WithIncrementedVersion() {
        JsonNode created = api.createUser();
        long version = created.get("version").asLong();

        ApiClient.Response response = api.put("/api/users/" + created.get("id").asLong(),
                userBody(created.get("email").asText(), "Renamed"), "If-Match", "\"" + version + "\"");

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateUser_ifMatchWithBareCurrentVersion_returns200WithIncrementedVersion() {
        JsonNode created = api.createUser();
        long version = created.get("version").asLong();

        ApiClient.Response response = api.put("/api/users/" + created.get("id").asLong(),
                userBody(created.get("email").asText(), "Renamed"), "If-Match", Long.toString(version));

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json().get("version").asLong()).isEqualTo(version + 1);
    }

    @Test
    void updateUser_staleVersionInBody_returns409WithFieldVersionAndKeepsTheUser() {
        JsonNode created = api.createUser();
        long id = created.get("id").asLong();
        long staleVersion = created.get("version").asLong();
        JsonNode current = api.put("/api/users/" + id, userBody(created.get("email").asText(), "First writer")).json();

        ApiClient.Response response = api.put("/api/users/" + id,
                userBody(created.get("email").asText(), "Second writer").put("version", staleVersion));

        assertError(response, 409, "version");
        assertThat(api.get("/api/users/" + id).json()).as("user after the refused update").isEqualTo(current);
    }

    @Test
    void updateUser_staleIfMatch_returns409WithFieldVersion() {
        JsonNode created = api.createUser();
        long id = created.get("id").asLong();
        long staleVersion = created.get("version").asLong();
        api.put("/api/users/" + id, userBody(created.get("email").asText(), "First writer"));

        ApiClient.Response response = api.put("/api/users/" + id,
                userBody(created.get("email").asText(), "Second writer"), "If-Match", "\"" + staleVersion + "\"");

        assertError(response, 409, "version");
    }

    @Test
    void updateUser_emailOfAnotherUser_returns409WithFieldEmail() {
        JsonNode taken = api.createUser();
        JsonNode user = api.createUser();

        ApiClient.Response response = api.put("/api/users/" + user.get("id").asLong(),
                userBody(taken.get("email").asText(), "Copycat"));

        assertError(response, 409, "email");
    }

    @Test
    void updateUser_invalidEmail_returns400WithFieldEmail() {
        JsonNode user = api.createUser();

        ApiClient.Response response = api.put("/api/users/" + user.get("id").asLong(), userBody("nobody-at-all", "Ada"));

        assertError(response, 400, "email");
    }

    @Test
    void updateUser_versionNotANumber_returns400WithFieldVersion() {
        JsonNode user = api.createUser();

        ApiClient.Response response = api.put("/api/users/" + user.get("id").asLong(),
                userBody(user.get("email").asText(), "Ada").put("version", "three"));

        assertError(response, 400, "version");
    }

    @Test
    void updateUser_unknownId_returns404() {
        assertError(api.put("/api/users/" + UNKNOWN_ID, userBody(uniqueEmail(), "Nobody")), 404);
    }

    // ---- delete -------------------------------------------------------------------------------------

    @Test
    void deleteUser_existing_returns204ThenGetReturns404() {
        long id = api.createUser().get("id").asLong();

        ApiClient.Response response = api.delete("/api/users/" + id);

        assertThat(response.status()).as("%s", response).isEqualTo(204);
        assertError(api.get("/api/users/" + id), 404);
    }

    @Test
    void deleteUser_unknownId_returns404() {
        assertError(api.delete("/api/users/" + UNKNOWN_ID), 404);
    }
}
