package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** The API's error contract, asserted in one place: every refusal looks the same to a client. */
final class ApiAssertions {

    private ApiAssertions() {
    }

    /**
     * The response is a refusal with this status: JSON content type, a JSON object body with a non-blank
     * {@code error}, and no stack trace or exception class name leaking into the body.
     */
    static JsonNode assertError(ApiClient.Response response, int status) {
        assertThat(response.status()).as("status of %s", response).isEqualTo(status);
        assertThat(response.contentType()).as("Content-Type of %s", response).startsWith("application/json");
        assertThat(response.body()).as("body of %s", response)
                .doesNotContain("Exception")
                .doesNotContain("at dev.")
                .doesNotContain("at org.");
        JsonNode body = response.json();
        assertThat(body.isObject()).as("body of %s is a JSON object", response).isTrue();
        assertThat(body.path("error").isTextual()).as("'error' of %s is text", response).isTrue();
        assertThat(body.path("error").asText()).as("'error' of %s", response).isNotBlank();
        return body;
    }

    /** {@link #assertError(ApiClient.Response, int)}, and the body names {@code field} as the one at fault. */
    static JsonNode assertError(ApiClient.Response response, int status, String field) {
        JsonNode body = assertError(response, status);
        assertThat(body.path("field").asText(null)).as("'field' of %s", response).isEqualTo(field);
        return body;
    }
}
