package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.stats.MeterNames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import dev.tieredjpa.cache.stats.TieredCacheMetrics;
import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Micrometer binder: every figure as a meter, with its tags, holding what the snapshot holds. */
class TieredCacheMetricsTest {

    @Test
    void bindTo_directCacheMadeAfterBinding_seriesPerTierWithTheStorysValues() {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (TieredCacheManager manager = TieredCacheManager.create(TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                TieredCacheSettings.KEY_PREFIX, TestRedis.newKeyPrefix("metrics"),
                TieredCacheSettings.NODE_NAME, "m")))) {
            TieredCacheMetrics.of(manager, Tags.of("service", "shop")).bindTo(registry);
            TieredCache<String, String> views = manager.cache("views", ValueFormat.utf8());

            // DB load, three times: L1 miss, L2 miss, loader
            for (String key : new String[] {"k1", "k2", "k3"}) {
                assertThat(views.get(key, k -> "value of " + k)).isEqualTo("value of " + key);
            }
            // L1 hit, five times
            for (int i = 0; i < 5; i++) {
                views.get("k2", k -> "not loaded");
            }
            // an invalidation, sent to every node
            views.invalidate("k1");

            Tags region = Tags.of("service", "shop", TAG_NODE, "m", TAG_REGION, "views");
            assertThat(counter(registry, REQUESTS, region)).isEqualTo(8);
            assertThat(counter(registry, HITS, region.and(TAG_TIER, TIER_L1))).isEqualTo(5);
            assertThat(counter(registry, MISSES, region.and(TAG_TIER, TIER_L1))).isEqualTo(3);
            assertThat(counter(registry, HITS, region.and(TAG_TIER, TIER_L2))).isZero();
            assertThat(counter(registry, MISSES, region.and(TAG_TIER, TIER_L2))).isEqualTo(3);
            assertThat(counter(registry, PUTS, region.and(TAG_TIER, TIER_L1))).isEqualTo(3);
            assertThat(counter(registry, PUTS, region.and(TAG_TIER, TIER_L2))).isEqualTo(3);
            assertThat(counter(registry, ERRORS, region.and(TAG_TIER, TIER_L2))).isZero();
            assertThat(counter(registry, EVICTIONS, region.and(TAG_TIER, TIER_L1))).isZero();
            assertThat(counter(registry, DB_LOADS, region)).isEqualTo(3);
            assertThat(counter(registry, INVALIDATIONS, region.and(TAG_DIRECTION, DIRECTION_SENT))).isEqualTo(1);
            assertThat(counter(registry, INVALIDATIONS, region.and(TAG_DIRECTION, DIRECTION_RECEIVED))).isZero();
            assertThat(counter(registry, LEASE_WAITS, region)).isZero();
            assertThat(counter(registry, DECODE_FAILURES, region)).isZero();
            assertThat(counter(registry, REPAIRS, region.and(TAG_TIER, TIER_L2))).isZero();
            assertThat(registry.get(ENTRIES).tags(region.and(TAG_TIER, TIER_L1)).gauge().value()).isEqualTo(2);
            assertThat(registry.get(HEAP_ESTIMATED).tags(region.and(TAG_TIER, TIER_L1)).gauge().value()).isPositive();
            assertThat(registry.get(LATENCY).tags(region.and(TAG_TIER, TIER_DB)).functionTimer().count()).isEqualTo(3);
            assertThat(registry.get(LATENCY).tags(region.and(TAG_TIER, TIER_L2)).functionTimer().count()).isEqualTo(3);
            assertThat(registry.get(LATENCY).tags(region.and(TAG_TIER, TIER_L2)).functionTimer()
                    .totalTime(TimeUnit.NANOSECONDS)).isPositive();
            for (String tier : new String[] {TIER_L1, TIER_L2, TIER_DB}) {
                assertThat(registry.get(LATENCY_PERCENTILE).tags(region.and(TAG_TIER, tier)).timeGauges())
                        .extracting(gauge -> gauge.getId().getTag(TAG_QUANTILE))
                        .containsExactlyInAnyOrder("0.5", "0.95", "0.99");
            }
            double p50 = registry.get(LATENCY_PERCENTILE).tags(region.and(TAG_TIER, TIER_L2).and(TAG_QUANTILE, "0.5"))
                    .timeGauge().value(TimeUnit.NANOSECONDS);
            double p99 = registry.get(LATENCY_PERCENTILE).tags(region.and(TAG_TIER, TIER_L2).and(TAG_QUANTILE, "0.99"))
                    .timeGauge().value(TimeUnit.NANOSECONDS);
            assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
            assertThat(registry.get(INVALIDATION_DELAY).tags(region).functionTimer().count()).isZero();

            Tags node = Tags.of("service", "shop", TAG_NODE, "m");
            assertThat(registry.get(REDIS_UP).tags(node).gauge().value()).isEqualTo(1);
            assertThat(registry.get(BREAKER_STATE).tags(node.and(TAG_STATE, "closed")).gauge().value()).isEqualTo(1);
            assertThat(registry.get(BREAKER_STATE).tags(node.and(TAG_STATE, "open")).gauge().value()).isZero();
            assertThat(registry.get(REDIS_MEMORY_USED).tags(node).gauge().value()).isPositive();
            assertThat(registry.get(REDIS_MEMORY_MAX).tags(node).gauge().value()).isNotNegative();
            assertThat(registry.get(REDIS_EVICTED_KEYS).tags(node).functionCounter().count()).isNotNegative();
            // every series of the binder carries the node and the caller's tags
            assertThat(registry.getMeters()).extracting(Meter::getId)
                    .filteredOn(id -> id.getName().startsWith("tiered.cache."))
                    .isNotEmpty()
                    .allSatisfy(id -> assertThat(id.getTag("service")).isEqualTo("shop"))
                    .allSatisfy(id -> assertThat(id.getTag(TAG_NODE)).isEqualTo("m"));
        }
    }

    @Test
    void bindTo_persistenceUnit_regionAndWriteBehindSeriesAndHibernatesStatistics() {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 1)) {
            Node node = cluster.node(0);
            MeterRegistry registry = new SimpleMeterRegistry();
            TieredCacheMetrics.of(node.emf(), Tags.empty()).bindTo(registry);
            Rows.insertItems(cluster.dataSource(), 1);

            // DB load, then an L1 hit
            node.find(Item.class, 1L);
            node.find(Item.class, 1L);

            Tags items = Tags.of(TAG_NODE, "a", TAG_REGION, "items");
            assertThat(counter(registry, DB_LOADS, items)).isEqualTo(1);
            assertThat(counter(registry, HITS, items.and(TAG_TIER, TIER_L1))).isEqualTo(1);
            Tags visits = Tags.of(TAG_NODE, "a", TAG_REGION, WriteBehindCluster.VISIT_REGION, TAG_ENTITY, "Visit");
            assertThat(registry.get(WRITE_BEHIND_QUEUE_DEPTH).tags(visits).gauge().value()).isZero();
            assertThat(registry.get(WRITE_BEHIND_DEAD_LETTERS).tags(visits).gauge().value()).isZero();
            assertThat(registry.get(WRITE_BEHIND_FLUSHED).tags(visits).functionCounter().count()).isZero();
            assertThat(registry.get(WRITE_BEHIND_MALFORMED).tags(visits).functionCounter().count()).isZero();
            assertThat(registry.get(WRITE_BEHIND_FOREIGN_KEYS).tags(visits).functionCounter().count()).isZero();
            assertThat(registry.get(WRITE_BEHIND_LAG).tags(visits).timeGauge().value(TimeUnit.NANOSECONDS)).isZero();
            // Hibernate's own statistics, from hibernate-micrometer: one second-level cache miss and one hit
            assertThat(registry.get("hibernate.second.level.cache.requests").tags("region", "items", "result", "miss")
                    .functionCounter().count()).isEqualTo(1);
            assertThat(registry.get("hibernate.second.level.cache.requests").tags("region", "items", "result", "hit")
                    .functionCounter().count()).isEqualTo(1);
        }
    }

    private static double counter(MeterRegistry registry, String name, Tags tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }
}
