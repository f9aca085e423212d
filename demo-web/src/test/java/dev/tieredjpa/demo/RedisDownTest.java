package dev.tieredjpa.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 6 at the edge of the service: with its Redis gone, the demo keeps answering from L1 and the
 * database, writes still commit, and health says DEGRADED rather than failing.
 */
class RedisDownTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void api_whenRedisStops_keepsServingAndHealthIsDegraded(@TempDir Path dataDir) throws Exception {
        // Its own embedded redis-server, so that stopping it disturbs no other test.
        try (DemoService service = DemoService.start(Map.of("PORT", "0", "DATA_DIR", dataDir.toString()))) {
            URI base = service.baseUri();
            JsonNode created = send(base, "POST", "/api/products", "{\"sku\":\"K-1\",\"name\":\"Kettle\",\"price\":24.90}", 201);
            long id = created.path("id").asLong();
            assertThat(get(base, "/health").path("status").asText()).isEqualTo("UP");

            shutdownRedis(service.redisEndpoint().port());

            // Reads and write-through writes keep working: no exception reaches the caller.
            assertThat(send(base, "GET", "/api/products/" + id, null, 200).path("name").asText()).isEqualTo("Kettle");
            JsonNode updated = send(base, "PUT", "/api/products/" + id,
                    "{\"sku\":\"K-1\",\"name\":\"Kettle 2\",\"price\":19.90,\"version\":0}", 200);
            assertThat(updated.path("version").asLong()).isEqualTo(1);
            assertThat(send(base, "GET", "/api/products/" + id, null, 200).path("name").asText()).isEqualTo("Kettle 2");

            Awaitility.await().atMost(Duration.ofSeconds(15))
                    .until(() -> get(base, "/health").path("status").asText().equals("DEGRADED"));
            assertThat(get(base, "/health").path("redis").path("status").asText()).isEqualTo("DOWN");
        }
    }

    private JsonNode get(URI base, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private JsonNode send(URI base, String method, String path, String body, int expectedStatus) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(method + " " + path + " -> " + response.body()).isEqualTo(expectedStatus);
        return JSON.readTree(response.body());
    }

    /** Stops the real redis-server process the way an operator would, with SHUTDOWN NOSAVE. */
    private static void shutdownRedis(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            OutputStream out = socket.getOutputStream();
            out.write("SHUTDOWN NOSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.getInputStream().read();
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !accepts(port));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
