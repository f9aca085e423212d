package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiAssertions.assertError;
import static dev.tieredjpa.demo.ApiClient.instant;
import static dev.tieredjpa.demo.ApiClient.object;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code /api/sessions}: open a session for a user, use it (which extends it), end it. */
class SessionApiTest {

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("sessions-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void createSession_existingUser_returns201WithTokenUserIdAndFutureExpiry() {
        long userId = api.createUser().get("id").asLong();

        ApiClient.Response response = api.post("/api/sessions", object("userId", userId));

        assertThat(response.status()).as("%s", response).isEqualTo(201);
        assertThat(response.contentType()).as("%s", response).startsWith("application/json");
        JsonNode session = response.json();
        assertThat(session.path("token").isTextual()).as("token is text in %s", response).isTrue();
        assertThat(session.get("token").asText()).isNotBlank();
        assertThat(session.path("userId").isIntegralNumber()).as("userId is an integer in %s", response).isTrue();
        assertThat(session.get("userId").asLong()).isEqualTo(userId);
        assertThat(instant(session.get("expiresAt"))).isAfter(Instant.now());
    }

    @Test
    void createSession_twiceForOneUser_returnsDifferentTokens() {
        long userId = api.createUser().get("id").asLong();

        String first = api.createSession(userId).get("token").asText();
        String second = api.createSession(userId).get("token").asText();

        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void getSession_existing_returns200AndExtendsTheExpiry() throws InterruptedException {
        long userId = api.createUser().get("id").asLong();
        JsonNode created = api.createSession(userId);
        String token = created.get("token").asText();
        Thread.sleep(20); // let the clock move, so an extension can show

        ApiClient.Response first = api.get("/api/sessions/" + token);
        ApiClient.Response second = api.get("/api/sessions/" + token);

        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(first.contentType()).as("%s", first).startsWith("application/json");
        assertThat(first.json().get("token").asText()).isEqualTo(token);
        assertThat(first.json().get("userId").asLong()).isEqualTo(userId);
        assertThat(instant(first.json().get("expiresAt"))).isAfterOrEqualTo(instant(created.get("expiresAt")));
        assertThat(second.status()).as("%s", second).isEqualTo(200);
        assertThat(instant(second.json().get("expiresAt"))).isAfterOrEqualTo(instant(first.json().get("expiresAt")));
    }

    @Test
    void getSession_unknownToken_returns404() {
        assertError(api.get("/api/sessions/no-such-token-" + System.nanoTime()), 404);
    }

    @Test
    void deleteSession_existing_returns204ThenGetReturns404() {
        String token = api.createSession(api.createUser().get("id").asLong()).get("token").asText();

        ApiClient.Response response = api.delete("/api/sessions/" + token);

        assertThat(response.status()).as("%s", response).isEqualTo(204);
        assertError(api.get("/api/sessions/" + token), 404);
    }

    @Test
    void deleteUser_withSessions_makesItsSessionsReturn404() {
        long userId = api.createUser().get("id").asLong();
        String first = api.createSession(userId).get("token").asText();
        String second = api.createSession(userId).get("token").asText();
        assertThat(api.get("/api/sessions/" + first).status()).as("session before the user is deleted").isEqualTo(200);

        ApiClient.Response deleted = api.delete("/api/users/" + userId);

        assertThat(deleted.status()).as("%s", deleted).isEqualTo(204);
        assertError(api.get("/api/sessions/" + first), 404);
        assertError(api.get("/api/sessions/" + second), 404);
    }

    @Test
    void deleteUser_withSessions_leavesOtherUsersSessions() {
        long doomed = api.createUser().get("id").asLong();
        long other = api.createUser().get("id").asLong();
        api.createSession(doomed);
        String kept = api.createSession(other).get("token").asText();

        api.delete("/api/users/" + doomed);

        assertThat(api.get("/api/sessions/" + kept).status()).isEqualTo(200);
    }

    @Test
    void createSession_unknownUser_returns422WithFieldUserId() {
        assertError(api.post("/api/sessions", object("userId", 987_654_321L)), 422, "userId");
    }

    @Test
    void createSession_userIdNotANumber_returns400WithFieldUserId() {
        assertError(api.post("/api/sessions", object("userId", "x")), 400, "userId");
    }

    @Test
    void createSession_missingUserId_returns400WithFieldUserId() {
        assertError(api.post("/api/sessions", object()), 400, "userId");
    }

    @Test
    void createSession_unknownField_returns400NamingIt() {
        long userId = api.createUser().get("id").asLong();

        assertError(api.post("/api/sessions", object("userId", userId, "remember", true)), 400, "remember");
    }
}
