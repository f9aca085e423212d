package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.userBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two demo nodes side by side on one database and one Redis, as behind a load balancer: what one node
 * writes, the other serves.
 */
class TwoNodesTest {

    /** How long a change made through one node may take to show through the other (cross-node invalidation). */
    private static final Duration PROPAGATION = Duration.ofSeconds(5);

    private static RunningDemo nodeA;
    private static RunningDemo nodeB;
    private static ApiClient apiA;
    private static ApiClient apiB;

    @BeforeAll
    static void startTwoNodes() throws Exception {
        nodeA = RunningDemo.start("node-a");
        nodeB = nodeA.startNode("node-b");
        apiA = nodeA.client();
        apiB = nodeB.client();
    }

    @AfterAll
    static void stopTwoNodes() throws Exception {
        try {
            if (nodeB != null) {
                nodeB.close();
            }
        } finally {
            if (nodeA != null) {
                nodeA.close();
            }
        }
    }

    @Test
    void startNode_sameDatabaseAndRedis_listensOnAnotherPortUnderItsOwnName() {
        assertThat(nodeB.port()).isNotEqualTo(nodeA.port());
        assertThat(apiA.get("/health").json().path("node").asText()).isEqualTo("node-a");
        assertThat(apiB.get("/health").json().path("node").asText()).isEqualTo("node-b");
    }

    @Test
    void createUser_throughNodeA_isReadableThroughNodeB() {
        JsonNode created = apiA.createUser();

        ApiClient.Response response = apiB.get("/api/users/" + created.get("id").asLong());

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json()).isEqualTo(created);
    }

    @Test
    void createUser_throughNodeB_isReadableThroughNodeA() {
        JsonNode created = apiB.createUser();

        ApiClient.Response response = apiA.get("/api/users/" + created.get("id").asLong());

        assertThat(response.status()).as("%s", response).isEqualTo(200);
        assertThat(response.json()).isEqualTo(created);
    }

    @Test
    void updateUser_throughNodeA_isSeenThroughNodeBThatHadReadIt() {
        JsonNode created = apiA.createUser();
        String path = "/api/users/" + created.get("id").asLong();
        assertThat(apiB.get(path).json()).as("node B has read (and may cache) the first version").isEqualTo(created);

        JsonNode updated = apiA.put(path, userBody(created.get("email").asText(), "Renamed on A")).json();

        assertThat(apiA.get(path).json()).as("node A, which wrote it").isEqualTo(updated);
        ApiClient.Response seenByB = awaitResponse(() -> apiB.get(path), r -> r.status() == 200 && r.json().equals(updated));
        assertThat(seenByB.json()).as("node B after %s of propagation: %s", PROPAGATION, seenByB).isEqualTo(updated);
    }

    @Test
    void deleteUser_throughNodeA_is404ThroughNodeBThatHadReadIt() {
        JsonNode created = apiA.createUser();
        String path = "/api/users/" + created.get("id").asLong();
        assertThat(apiB.get(path).status()).as("node B has read (and may cache) the user").isEqualTo(200);

        assertThat(apiA.delete(path).status()).isEqualTo(204);

        ApiClient.Response seenByA = apiA.get(path);
        assertThat(seenByA.status()).as("node A, which deleted it: %s", seenByA).isEqualTo(404);
        ApiClient.Response seenByB = awaitResponse(() -> apiB.get(path), r -> r.status() == 404);
        assertThat(seenByB.status()).as("node B after %s of propagation: %s", PROPAGATION, seenByB).isEqualTo(404);
    }

    @Test
    void updateProduct_throughNodeA_dropsTheAnswerNodeBHadCached() {
        JsonNode created = apiA.createProduct();
        String path = "/api/products/" + created.get("id").asLong();
        apiB.get(path);
        ApiClient.Response cachedOnB = apiB.get(path);
        assertThat(cachedOnB.header("X-Response-Cache")).as("node B serves it from its response cache: %s", cachedOnB)
                .contains("HIT");
        String oldTag = cachedOnB.header("ETag").orElseThrow();

        JsonNode updated = apiA.put(path, productBody(created.get("sku").asText(), "Renamed on A", null,
                new BigDecimal("2.50"))).json();

        // Without the invalidation reaching node B, its L1 would keep the old answer for a minute.
        ApiClient.Response seenByB = awaitResponse(() -> apiB.get(path), r -> r.status() == 200 && r.json().equals(updated));
        assertThat(seenByB.json()).as("node B after %s of propagation: %s", PROPAGATION, seenByB).isEqualTo(updated);
        assertThat(seenByB.header("ETag")).contains("\"product-" + created.get("id").asLong() + "-v1\"");
        ApiClient.Response revalidated = apiB.send("GET", path, null, "If-None-Match", oldTag);
        assertThat(revalidated.status()).as("the old tag no longer matches on node B: %s", revalidated).isEqualTo(200);
    }

    @Test
    void deleteProduct_throughNodeA_is404ThroughNodeBThatHadCachedIt() {
        JsonNode created = apiA.createProduct();
        String path = "/api/products/" + created.get("id").asLong();
        apiB.get(path);
        assertThat(apiB.get(path).header("X-Response-Cache")).as("node B has cached the answer").contains("HIT");

        assertThat(apiA.delete(path).status()).isEqualTo(204);

        ApiClient.Response seenByB = awaitResponse(() -> apiB.get(path), r -> r.status() == 404);
        assertThat(seenByB.status()).as("node B after %s of propagation: %s", PROPAGATION, seenByB).isEqualTo(404);
    }

    /** Asks until the answer passes, or {@link #PROPAGATION} has gone by; returns the last answer. */
    private static ApiClient.Response awaitResponse(Supplier<ApiClient.Response> request, Predicate<ApiClient.Response> done) {
        Instant deadline = Instant.now().plus(PROPAGATION);
        ApiClient.Response response = request.get();
        while (!done.test(response) && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            response = request.get();
        }
        return response;
    }
}
