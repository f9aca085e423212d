package dev.tieredjpa.demo.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.testsupport.TestRedis;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The response cache's invalidation on two nodes (two cache managers on the tests' Redis, one key prefix):
 * the first invalidation reaches every node at once, the second catches a fill that raced the first.
 */
class ResponseCacheTest {

    private static final Duration SECOND_INVALIDATION = Duration.ofSeconds(1);
    private static final CachedResponse OLD = new CachedResponse("\"product-1-v0\"", "{\"id\":1,\"version\":0}");
    private static final CachedResponse NEW = new CachedResponse("\"product-1-v1\"", "{\"id\":1,\"version\":1}");

    private TieredCacheManager managerA;
    private TieredCacheManager managerB;
    private ResponseCache nodeA;
    private TieredCache<String, CachedResponse> cacheB;

    @BeforeEach
    void startTwoNodes() {
        String prefix = TestRedis.newKeyPrefix("responses");
        managerA = manager(prefix, "a");
        managerB = manager(prefix, "b");
        nodeA = new ResponseCache(managerA.cache(ResponseCache.CACHE_NAME, CachedResponse.FORMAT), SECOND_INVALIDATION,
                managerA, "a");
        cacheB = managerB.cache(ResponseCache.CACHE_NAME, CachedResponse.FORMAT);
    }

    @AfterEach
    void stopTwoNodes() throws Exception {
        try {
            nodeA.close();
        } finally {
            managerB.close();
        }
    }

    @Test
    void read_secondTime_isServedFromL1WithoutTheLoader() {
        assertThat(nodeA.read("/api/products/1", path -> OLD).source()).as("first read: the loader").isEqualTo(ReadSource.DB);

        var second = nodeA.read("/api/products/1", path -> {
            throw new AssertionError("the loader must not run on a hit");
        });

        assertThat(second.source()).isEqualTo(ReadSource.L1);
        assertThat(second.value()).isEqualTo(OLD);
    }

    @Test
    void invalidate_onNodeA_dropsTheAnswerOnNodeB() {
        nodeA.read("/api/products/1", path -> OLD);
        assertThat(cacheB.read("/api/products/1", path -> NEW).value()).as("node B, from L2").isEqualTo(OLD);

        nodeA.invalidate("/api/products/1");

        // Node B's L1 drops it when the message arrives; its next load renders the new version.
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> NEW.equals(cacheB.read("/api/products/1", path -> NEW).value()));
    }

    @Test
    void invalidate_aFillThatRacedTheFirstInvalidation_isDroppedByTheSecond() {
        nodeA.read("/api/products/1", path -> OLD);

        nodeA.invalidate("/api/products/1");
        // A node whose entity L1 had not yet heard of the write renders the old version after the first
        // invalidation: its fill lands (here a put, which no lease fences).
        cacheB.put("/api/products/1", OLD);
        assertThat(cacheB.get("/api/products/1")).as("the racing fill landed").isEqualTo(OLD);

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cacheB.get("/api/products/1") == null);
        assertThat(nodeA.read("/api/products/1", path -> NEW).value()).as("node A renders anew").isEqualTo(NEW);
    }

    private static TieredCacheManager manager(String prefix, String node) {
        return TieredCacheManager.create(TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                TieredCacheSettings.KEY_PREFIX, prefix,
                TieredCacheSettings.NODE_NAME, node)));
    }
}
