package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.CacheRead;
import dev.tieredjpa.cache.ReadPolicy;
import dev.tieredjpa.cache.ReadSource;
import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredCacheConfig;
import dev.tieredjpa.cache.TieredCacheManager;
import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.cache.ValueFormat;
import dev.tieredjpa.cache.internal.core.ReadTrace;
import dev.tieredjpa.cache.internal.core.RegionStats;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import dev.tieredjpa.testsupport.TestRedis;
import jakarta.persistence.PersistenceException;
import java.math.BigDecimal;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Stale-if-error: a value past its L2 TTL whose reload fails is served, marked {@link ReadSource#STALE} with
 * its age, for at most the entity's (or cache's) maximum staleness; past it the failure reaches the caller;
 * a value that was invalidated, deleted or overwritten (rather than expired) is never served stale.
 *
 * <p>Time is a {@link SimulatedClock} shared by both nodes (the {@code tiered-cache.clock} property, or the
 * manager's clock), so ages are exact. L2 TTL 1 s and maximum staleness 3 s of simulated time; Redis keeps
 * an entry physically for their sum (4 s of real time), far longer than each test's steps take.
 */
class StaleIfErrorTest {

    private static final long START = 1_700_000_000_000L;
    private static final long TTL = 1_000;
    private static final long MAX_STALENESS = 3_000;
    private static final String ITEMS = "items";

    private final SimulatedClock clock = new SimulatedClock(START);

    private Map<String, Object> settings() {
        return Map.of(
                "tiered-cache.entity.Item.l2-ttl", TTL + "ms",
                "tiered-cache.entity.Item.stale-if-error", MAX_STALENESS + "ms",
                "tiered-cache.entity.Note.l2-ttl", TTL + "ms",
                "tiered-cache.entity.Note.stale-if-error", MAX_STALENESS + "ms",
                TieredCacheSettings.CLOCK, clock);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_expiredEntityWhileDatabaseDown_isServedStale_upToTheMaxStaleness_thenFails(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, settings())) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            a.inTransactionDo(em -> em.persist(new Item(1, "I-1", "cached", new BigDecimal("9.90"))));
            long expiry = START + TTL; // the insert's value, stored at START
            assertThat(b.find(Item.class, 1L).getName()).isEqualTo("cached"); // B: L2 hit, kept in its L1
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached"); // A: L1 hit

            cluster.outage().goDown();
            // Not expired yet: L1 hits, the database is not asked.
            clock.set(expiry - 1);
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(b.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(cluster.outage().refused()).isZero();

            // 1.5 s past its expiry: the reload fails, and the expired value is served, stale, on both nodes.
            clock.set(expiry + 1_500);
            assertThat(a.find(Item.class, 1L)).isNotNull().returns("cached", Item::getName).returns(0L, Item::getVersion);
            assertThat(b.find(Item.class, 1L)).isNotNull().returns("cached", Item::getName).returns(0L, Item::getVersion);
            assertThat(cluster.outage().refused()).as("reloads tried").isEqualTo(2);
            assertThat(a.regionStats(ITEMS).staleServed()).isEqualTo(1);
            assertThat(b.regionStats(ITEMS).staleServed()).isEqualTo(1);

            // Exactly at the maximum staleness: still served.
            clock.set(expiry + MAX_STALENESS);
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(a.regionStats(ITEMS).staleServed()).isEqualTo(2);

            // One millisecond past it: the database's failure reaches the caller, on both nodes.
            clock.set(expiry + MAX_STALENESS + 1);
            assertThatThrownBy(() -> a.find(Item.class, 1L))
                    .isInstanceOf(PersistenceException.class)
                    .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
            assertThatThrownBy(() -> b.find(Item.class, 1L))
                    .isInstanceOf(PersistenceException.class)
                    .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
            assertThat(cluster.outage().refused()).as("reloads tried").isEqualTo(5);
            RegionStats statsA = a.regionStats(ITEMS);
            RegionStats statsB = b.regionStats(ITEMS);
            assertThat(statsA.staleServed()).isEqualTo(2);
            assertThat(statsA.staleRefused()).isEqualTo(1);
            assertThat(statsB.staleServed()).isEqualTo(1);
            assertThat(statsB.staleRefused()).isEqualTo(1);

            // The database is back: one plain reload, which refreshes the cache for everyone.
            cluster.outage().comeBack();
            long selects = cluster.itemSelects();
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(b.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(cluster.itemSelects() - selects).isEqualTo(1);
        }
    }

    /** What {@link ReadTrace} says after an {@code em.find} answered stale: STALE, with the value's exact age. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_servedStale_isTracedAsStaleWithItsAge(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, settings())) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            a.inTransactionDo(em -> em.persist(new Note(1, "cached")));
            long expiry = START + TTL;
            assertThat(b.find(Note.class, 1L).getText()).isEqualTo("cached");
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.L2, 0));
            // Then an L1 hit on B (once any message of A's insert, which may drop B's copy, has passed).
            await().atMost(Duration.ofSeconds(5)).pollInSameThread()
                    .until(() -> "cached".equals(b.find(Note.class, 1L).getText()) && trace().source() == ReadSource.L1);

            cluster.outage().goDown();
            clock.set(expiry + 1_500);
            assertThat(a.find(Note.class, 1L).getText()).isEqualTo("cached");
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.STALE, 1_500));
            assertThat(b.find(Note.class, 1L).getText()).isEqualTo("cached");
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.STALE, 1_500));
            clock.set(expiry + MAX_STALENESS);
            assertThat(a.find(Note.class, 1L).getText()).isEqualTo("cached");
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.STALE, MAX_STALENESS));
            clock.set(expiry + MAX_STALENESS + 1);
            assertThatThrownBy(() -> a.find(Note.class, 1L))
                    .isInstanceOf(PersistenceException.class)
                    .hasRootCauseInstanceOf(SQLTransientConnectionException.class);

            cluster.outage().comeBack();
            assertThat(a.find(Note.class, 1L).getText()).isEqualTo("cached");
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.DB, 0));
        }
    }

    /**
     * The same for {@link Item}, whose natural id is cached too. Fails if the natural-id region's read
     * ({@code item-codes}, an L1 hit), which Hibernate makes after it built the entity from the stale value,
     * overwrites the thread's trace.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_servedStale_entityWithCachedNaturalId_isTracedAsStale(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, settings())) {
            Node a = cluster.node(0);
            a.inTransactionDo(em -> em.persist(new Item(1, "I-1", "cached", new BigDecimal("9.90"))));
            cluster.outage().goDown();
            clock.set(START + TTL + 1_500);
            assertThat(a.find(Item.class, 1L).getName()).isEqualTo("cached");
            assertThat(a.regionStats(ITEMS).staleServed()).isEqualTo(1);
            assertThat(trace()).isEqualTo(new ReadTrace.Last(ReadSource.STALE, 1_500));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_entityEvictedDeletedOrOverwrittenThenExpired_isNeverServedStale(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, settings())) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            for (long id = 1; id <= 3; id++) {
                long itemId = id;
                a.inTransactionDo(em -> em.persist(new Item(itemId, "I-" + itemId, "v1", new BigDecimal("9.90"))));
                assertThat(a.find(Item.class, itemId).getName()).isEqualTo("v1");
                assertThat(b.find(Item.class, itemId).getName()).isEqualTo("v1");
            }
            a.inTransactionDo(em -> em.persist(new Note(4, "v1")));
            assertThat(a.find(Note.class, 4L).getText()).isEqualTo("v1");
            assertThat(b.find(Note.class, 4L).getText()).isEqualTo("v1");
            long receivedItems = a.regionStats(ITEMS).invalidationsReceived();
            long receivedNotes = a.regionStats("notes").invalidationsReceived();
            clock.set(START + 500);
            // 1: evicted on B (its invalidation reaches every node and leaves a tombstone in L2)
            b.emf().getCache().evict(Item.class, 1L);
            // 2: deleted on B
            b.inTransactionDo(em -> em.remove(em.find(Item.class, 2L)));
            // 3: overwritten on B: its new value (version 1) expires at START + 500 + TTL
            b.inTransactionDo(em -> em.find(Item.class, 3L).setName("v2"));
            // 4: a NONSTRICT_READ_WRITE note overwritten on B: evicted, its new value not cached
            b.inTransactionDo(em -> em.find(Note.class, 4L).setText("v2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.regionStats(ITEMS).invalidationsReceived() >= receivedItems + 3
                    && a.regionStats("notes").invalidationsReceived() >= receivedNotes + 1);

            cluster.outage().goDown();
            clock.set(START + 500 + TTL + 1_000); // every value written so far expired, none by more than 3 s
            for (Node node : new Node[] {a, b}) {
                assertThatThrownBy(() -> node.find(Item.class, 1L)).as("evicted item on node %s", node.name())
                        .isInstanceOf(PersistenceException.class)
                        .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
                assertThatThrownBy(() -> node.find(Item.class, 2L)).as("deleted item on node %s", node.name())
                        .isInstanceOf(PersistenceException.class)
                        .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
                assertThatThrownBy(() -> node.find(Note.class, 4L)).as("overwritten note on node %s", node.name())
                        .isInstanceOf(PersistenceException.class)
                        .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
                // The overwritten item: only its new value may be served stale, never the one it replaced.
                assertThat(node.find(Item.class, 3L)).as("overwritten item on node %s", node.name())
                        .returns("v2", Item::getName).returns(1L, Item::getVersion);
            }
            assertThat(a.regionStats(ITEMS).staleServed()).isEqualTo(1);
            assertThat(b.regionStats(ITEMS).staleServed()).isEqualTo(1);
            assertThat(a.regionStats("notes").staleServed() + b.regionStats("notes").staleServed()).isZero();
        }
    }

    @Test
    void read_directFace_expiredValueWhoseLoaderThrows_isStaleWithinTheBound_thenThrows_andNeverAfterAnInvalidation() {
        String keyPrefix = TestRedis.newKeyPrefix("stale");
        ReadPolicy policy = ReadPolicy.DEFAULT.withStaleIfError(Duration.ofMillis(MAX_STALENESS));
        try (TieredCacheManager nodeA = TieredCacheManager.create(config(keyPrefix, "a"), clock);
             TieredCacheManager nodeB = TieredCacheManager.create(config(keyPrefix, "b"), clock)) {
            TieredCache<String, String> a = nodeA.cache("views", ValueFormat.utf8(), policy);
            TieredCache<String, String> b = nodeB.cache("views", ValueFormat.utf8(), policy);
            AtomicInteger loads = new AtomicInteger();
            IllegalStateException down = new IllegalStateException("backend down");
            Function<String, String> failing = key -> {
                loads.incrementAndGet();
                throw down;
            };
            assertThat(a.read("home", key -> "<h1>home</h1>")).isEqualTo(new CacheRead<>("<h1>home</h1>", ReadSource.DB, Duration.ZERO));
            assertThat(a.read("menu", key -> "<ul>menu</ul>").source()).isEqualTo(ReadSource.DB);
            assertThat(b.read("home", failing)).isEqualTo(new CacheRead<>("<h1>home</h1>", ReadSource.L2, Duration.ZERO));
            assertThat(a.read("home", failing).source()).isEqualTo(ReadSource.L1);
            long expiry = START + TTL;

            // Expired by 2 s: the loader is tried, throws, and the expired value is served, stale, with its age.
            clock.set(expiry + 2_000);
            CacheRead<String> stale = a.read("home", failing);
            assertThat(stale.value()).isEqualTo("<h1>home</h1>");
            assertThat(stale.stale()).isTrue();
            assertThat(stale.source()).isEqualTo(ReadSource.STALE);
            assertThat(stale.age()).isEqualTo(Duration.ofMillis(2_000));
            assertThat(b.read("home", failing)).isEqualTo(new CacheRead<>("<h1>home</h1>", ReadSource.STALE, Duration.ofMillis(2_000)));
            assertThat(loads).hasValue(2);
            // Exactly at the bound: still stale.
            clock.set(expiry + MAX_STALENESS);
            assertThat(a.read("home", failing)).isEqualTo(new CacheRead<>("<h1>home</h1>", ReadSource.STALE, Duration.ofMillis(MAX_STALENESS)));

            // Past the bound: the loader's exception, on both nodes.
            clock.set(expiry + MAX_STALENESS + 1);
            assertThatThrownBy(() -> a.read("home", failing)).isSameAs(down);
            assertThatThrownBy(() -> b.read("home", failing)).isSameAs(down);
            assertThat(loads).hasValue(5);
            assertThat(a.stats().staleServed()).isEqualTo(2);
            assertThat(a.stats().staleRefused()).isEqualTo(1);
            assertThat(b.stats().staleServed()).isEqualTo(1);
            assertThat(b.stats().staleRefused()).isEqualTo(1);

            // "menu" was invalidated on B before it expired: once expired, it is never served stale.
            clock.set(expiry - 100);
            assertThat(a.read("menu", failing).source()).isEqualTo(ReadSource.L1);
            long received = a.stats().invalidationsReceived();
            b.invalidate("menu");
            await().atMost(Duration.ofSeconds(5)).until(() -> a.stats().invalidationsReceived() > received);
            clock.set(expiry + 1_000);
            assertThatThrownBy(() -> a.read("menu", failing)).isSameAs(down);
            assertThatThrownBy(() -> b.read("menu", failing)).isSameAs(down);
            assertThat(a.stats().staleServed()).isEqualTo(2);
            assertThat(b.stats().staleServed()).isEqualTo(1);

            // A working loader again: a plain load, then hits.
            assertThat(a.read("home", key -> "<h1>home 2</h1>")).isEqualTo(new CacheRead<>("<h1>home 2</h1>", ReadSource.DB, Duration.ZERO));
            assertThat(b.read("home", failing)).isEqualTo(new CacheRead<>("<h1>home 2</h1>", ReadSource.L2, Duration.ZERO));
        }
    }

    private static ReadTrace.Last trace() {
        return ReadTrace.last();
    }

    private static TieredCacheConfig config(String keyPrefix, String node) {
        return TieredCacheConfig.fromProperties(Map.of(
                TieredCacheSettings.REDIS_URL, TestRedis.endpoint().url(),
                TieredCacheSettings.KEY_PREFIX, keyPrefix,
                TieredCacheSettings.NODE_NAME, node,
                TieredCacheSettings.L2_TTL, Duration.ofMillis(TTL)));
    }
}
