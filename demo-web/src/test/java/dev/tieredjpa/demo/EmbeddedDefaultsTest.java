package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick start's promise: with no service in the environment the demo starts on its embedded
 * defaults (an H2 file under DATA_DIR, a real redis-server on a free port) and stops them cleanly.
 * Runs whatever REDIS_URL and DB_URL say, since it hands the service an environment of its own.
 */
class EmbeddedDefaultsTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void start_withNoServicesInEnvironment_usesEmbeddedDefaultsAndStopsThem(@TempDir Path dataDir) throws Exception {
        int redisPort;
        try (DemoService service = DemoService.start(Map.of("PORT", "0", "DATA_DIR", dataDir.toString()))) {
            JsonNode health = get(service.baseUri().resolve("/health"));

            assertThat(health.path("status").asText()).isEqualTo("UP");
            assertThat(health.path("db").path("source").asText()).isEqualTo("embedded");
            assertThat(health.path("redis").path("source").asText()).isEqualTo("embedded");
            assertThat(Files.list(dataDir).map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("demo"));
            redisPort = service.redisEndpoint().port();
            assertThat(isListening(redisPort)).isTrue();
        }
        // Stopped cleanly: the embedded redis-server is gone with the service.
        assertThat(isListening(redisPort)).isFalse();
    }

    @Test
    void start_withBadPort_failsNamingTheVariable() {
        assertThatThrownBy(() -> DemoService.start(Map.of("PORT", "eighty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("PORT must be a port number from 0 to 65535, but was 'eighty'");
    }

    @Test
    void start_withBadRedisUrl_failsNamingTheVariable() {
        assertThatThrownBy(() -> DemoService.start(Map.of("PORT", "0", "REDIS_URL", "localhost:6379")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("REDIS_URL must start with redis:// or rediss://, but was localhost:6379");
    }

    @Test
    void start_withBadDbUrl_failsNamingTheVariable() {
        assertThatThrownBy(() -> DemoService.start(Map.of("PORT", "0", "DB_URL", "postgres://localhost/x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("DB_URL must be a JDBC URL starting with 'jdbc:', but was postgres://localhost/x");
    }

    private JsonNode get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return new ObjectMapper().readTree(response.body());
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (ConnectException refused) {
            return false;
        } catch (IOException other) {
            return false;
        }
    }
}
