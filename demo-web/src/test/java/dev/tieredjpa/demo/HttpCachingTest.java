package dev.tieredjpa.demo;

import static dev.tieredjpa.demo.ApiAssertions.assertError;
import static dev.tieredjpa.demo.ApiClient.ids;
import static dev.tieredjpa.demo.ApiClient.productBody;
import static dev.tieredjpa.demo.ApiClient.userBody;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP response cache of one node: entity tags from entity versions, conditional GETs answered with
 * 304, {@code Cache-Control} per resource, and cached answers dropped by the writes that change them.
 */
class HttpCachingTest {

    private static RunningDemo demo;
    private static ApiClient api;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = RunningDemo.start("http-caching-node");
        api = demo.client();
    }

    @AfterAll
    static void stopDemo() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void getProduct_secondTime_isAResponseCacheHitWithTheSameBodyAndTag() {
        JsonNode product = api.createProduct();
        String path = "/api/products/" + product.get("id").asLong();

        ApiClient.Response first = api.get(path);    // response cache miss: the entity read through its tiers
        ApiClient.Response second = api.get(path);   // response cache hit, from this node's L1

        assertThat(first.status()).as("%s", first).isEqualTo(200);
        assertThat(first.header("X-Response-Cache")).as("%s", first).contains("MISS");
        assertThat(first.header("X-Cache")).as("the entity's tier").hasValueSatisfying(v -> assertThat(v).isIn("L1", "L2", "DB"));
        assertThat(second.header("X-Response-Cache")).as("%s", second).contains("HIT");
        assertThat(second.header("X-Cache")).as("the response cache's tier").contains("L1");
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.json()).isEqualTo(product);
        assertThat(second.contentType()).startsWith("application/json");
        assertThat(first.header("ETag")).contains("\"product-" + product.get("id").asLong() + "-v0\"");
        assertThat(second.header("ETag")).isEqualTo(first.header("ETag"));
    }

    @Test
    void cacheControl_perResource_productsSharedUsersPrivateSessionsNotStored() {
        JsonNode product = api.createProduct();
        JsonNode user = api.createUser();
        JsonNode session = api.createSession(user.get("id").asLong());

        assertThat(api.get("/api/products/" + product.get("id").asLong()).header("Cache-Control")).contains("public, no-cache");
        assertThat(api.get("/api/products?ids=" + product.get("id").asLong()).header("Cache-Control")).contains("public, no-cache");
        assertThat(api.get("/api/users/" + user.get("id").asLong()).header("Cache-Control")).contains("private, no-cache");
        assertThat(api.get("/api/users?ids=" + user.get("id").asLong()).header("Cache-Control")).contains("private, no-cache");
        ApiClient.Response sessionRead = api.get("/api/sessions/" + session.get("token").asText());
        assertThat(sessionRead.status()).as("%s", sessionRead).isEqualTo(200);
        assertThat(sessionRead.header("Cache-Control")).contains("no-store");
        assertThat(sessionRead.header("ETag")).as("a session is never revalidated").isEmpty();
        assertThat(sessionRead.header("X-Response-Cache")).as("nor kept by the service").isEmpty();
    }

    @Test
    void getProduct_ifNoneMatchNamesTheCurrentTag_is304WithoutABody() {
        JsonNode product = api.createProduct();
        String path = "/api/products/" + product.get("id").asLong();
        String tag = api.get(path).header("ETag").orElseThrow();

        ApiClient.Response notModified = api.send("GET", path, null, "If-None-Match", tag);
        ApiClient.Response weakInAList = api.send("GET", path, null, "If-None-Match", "\"other\", W/" + tag);
        ApiClient.Response anyVersion = api.send("GET", path, null, "If-None-Match", "*");

        for (ApiClient.Response response : new ApiClient.Response[] {notModified, weakInAList, anyVersion}) {
            assertThat(response.status()).as("%s", response).isEqualTo(304);
            assertThat(response.body()).as("%s", response).isEmpty();
            assertThat(response.header("ETag")).as("%s", response).contains(tag);
            assertThat(response.header("Cache-Control")).as("%s", response).contains("public, no-cache");
        }
    }

    @Test
    void updateProduct_thenGet_servesTheNewVersion_andTheOldTagNoLongerMatches() {
        JsonNode product = api.createProduct();
        String path = "/api/products/" + product.get("id").asLong();
        String oldTag = api.get(path).header("ETag").orElseThrow();
        assertThat(api.get(path).header("X-Response-Cache")).as("cached before the write").contains("HIT");

        ApiClient.Response put = api.put(path, productBody(product.get("sku").asText(), "Renamed", null, new BigDecimal("3.00")),
                "If-Match", oldTag);
        assertThat(put.status()).as("If-Match with the ETag of a GET: %s", put).isEqualTo(200);

        ApiClient.Response fresh = api.send("GET", path, null, "If-None-Match", oldTag);   // the write dropped it: a miss
        assertThat(fresh.status()).as("%s", fresh).isEqualTo(200);
        assertThat(fresh.header("X-Response-Cache")).as("%s", fresh).contains("MISS");
        assertThat(fresh.json().get("name").asText()).isEqualTo("Renamed");
        assertThat(fresh.header("ETag")).contains("\"product-" + product.get("id").asLong() + "-v1\"")
                .isEqualTo(put.header("ETag"));
        // Cached again (once the write's second invalidation, a moment later, has passed).
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get(path).header("X-Response-Cache").orElse("").equals("HIT"));
    }

    @Test
    void updateUser_thenGet_servesTheNewVersion() {
        JsonNode user = api.createUser();
        String path = "/api/users/" + user.get("id").asLong();
        api.get(path);
        assertThat(api.get(path).header("X-Response-Cache")).as("cached before the write").contains("HIT");

        JsonNode updated = api.put(path, userBody(user.get("email").asText(), "Grace Hopper")).json();

        ApiClient.Response fresh = api.get(path);
        assertThat(fresh.json()).as("%s", fresh).isEqualTo(updated);
        assertThat(fresh.header("ETag")).contains("\"user-" + user.get("id").asLong() + "-v1\"");
    }

    @Test
    void deleteProduct_thenGet_is404NotTheCachedAnswer() {
        JsonNode product = api.createProduct();
        String path = "/api/products/" + product.get("id").asLong();
        api.get(path);
        assertThat(api.get(path).header("X-Response-Cache")).as("cached before the delete").contains("HIT");

        assertThat(api.delete(path).status()).isEqualTo(204);

        assertError(api.get(path), 404);
    }

    @Test
    void getProductsByIds_tagFollowsTheMembersVersions_andRevalidatesWith304() {
        JsonNode first = api.createProduct();
        JsonNode second = api.createProduct();
        String path = "/api/products?ids=" + second.get("id").asLong() + "," + first.get("id").asLong();

        ApiClient.Response list = api.get(path);
        ApiClient.Response again = api.get(path);   // every member from the response cache
        String tag = list.header("ETag").orElseThrow();

        assertThat(ids(list.json())).containsExactly(second.get("id").asLong(), first.get("id").asLong());
        assertThat(again.header("X-Response-Cache")).as("%s", again).contains("HIT");
        assertThat(again.body()).isEqualTo(list.body());
        assertThat(again.header("ETag")).contains(tag);
        assertThat(tag).startsWith("\"product-list-");
        assertThat(api.send("GET", path, null, "If-None-Match", tag).status()).isEqualTo(304);

        api.put("/api/products/" + first.get("id").asLong(),
                productBody(first.get("sku").asText(), "Renamed", null, new BigDecimal("1.00")));

        ApiClient.Response changed = api.send("GET", path, null, "If-None-Match", tag);
        assertThat(changed.status()).as("a member moved on: %s", changed).isEqualTo(200);
        assertThat(changed.header("ETag")).isPresent().isNotEqualTo(list.header("ETag"));
        assertThat(changed.json().get(1).get("name").asText()).isEqualTo("Renamed");
        assertThat(changed.json().get(0)).isEqualTo(second);
    }

    @Test
    void updateProduct_ifMatchTagOfAnotherProduct_returns400NamingIfMatch() {
        JsonNode product = api.createProduct();
        JsonNode other = api.createProduct();
        String otherTag = api.get("/api/products/" + other.get("id").asLong()).header("ETag").orElseThrow();

        ApiClient.Response response = api.put("/api/products/" + product.get("id").asLong(),
                productBody(product.get("sku").asText(), "Cup", null, BigDecimal.ONE), "If-Match", otherTag);

        assertError(response, 400, "If-Match");
    }

    @Test
    void updateProduct_ifMatchOldTag_returns409AndKeepsTheCachedAnswer() {
        JsonNode product = api.createProduct();
        String path = "/api/products/" + product.get("id").asLong();
        String oldTag = api.get(path).header("ETag").orElseThrow();
        api.put(path, productBody(product.get("sku").asText(), "Second", null, BigDecimal.ONE));

        ApiClient.Response stale = api.put(path, productBody(product.get("sku").asText(), "Third", null, BigDecimal.TEN),
                "If-Match", oldTag);

        assertError(stale, 409, "version");
        assertThat(api.get(path).json().get("name").asText()).isEqualTo("Second");
    }
}
