package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hibernate.cache.spi.RegionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.client.codec.StringCodec;

/**
 * The query cache on two nodes: results are cached per node (L1 only), and whether one may be served is
 * judged against the items table's last change, which every node reads from Redis. So a change on either
 * node makes both nodes' cached results stale at once.
 */
class QueryCacheTest {

    private static final PerKind<Cluster> CLUSTERS = new PerKind<>(kind -> Cluster.start(kind, 2));
    private static final AtomicLong IDS = new AtomicLong(3000);
    private static final String ACTIVE_ITEMS_OF_BATCH =
            "select i from Item i where i.code like :batch and i.status = :status order by i.id";

    /** One execution of the cached query on one node: its rows ({@code id:name}) and what it cost. */
    private record Run(List<String> rows, long cacheHits, long cacheMisses, long sql) {
    }

    @AfterAll
    static void stop() throws Exception {
        CLUSTERS.close();
    }

    /**
     * Fails if the table timestamps were kept per node (B would serve its cached result after A's change),
     * or if the timestamp of a change were not written after the commit (both nodes would), or if the
     * query cache never hit at all.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void cachedQuery_rowChangedOnA_nextExecutionOnBothNodesMissesAndIsFresh(Kind kind) {
        Cluster cluster = CLUSTERS.get(kind);
        story(cluster, cluster.node(0), cluster.node(1));
    }

    /** The same, the change made on the other node. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void cachedQuery_rowChangedOnB_nextExecutionOnBothNodesMissesAndIsFresh(Kind kind) {
        Cluster cluster = CLUSTERS.get(kind);
        story(cluster, cluster.node(1), cluster.node(0));
    }

    private static void story(Cluster cluster, Node changer, Node other) {
        String batch = "Q" + IDS.incrementAndGet() + "-";
        long first = IDS.incrementAndGet();
        long second = IDS.incrementAndGet();
        long third = IDS.incrementAndGet();
        changer.inTransactionDo(em -> {
            em.persist(new Item(first, batch + 1, "lamp", new BigDecimal("9.90")));
            em.persist(new Item(second, batch + 2, "desk", new BigDecimal("99.00")));
            em.persist(new Item(third, batch + 3, "chair", new BigDecimal("49.00")));
        });
        awaitResultsCacheable(cluster, "items");

        for (Node node : List.of(changer, other)) {
            // query cache miss on this node: the query runs in the database
            Run run = run(node, batch);
            assertThat(run.rows()).containsExactly(first + ":lamp", second + ":desk", third + ":chair");
            assertThat(run.cacheMisses()).as("misses on %s", node.name()).isEqualTo(1);
            assertThat(run.cacheHits()).isZero();
            assertThat(run.sql()).isEqualTo(1);

            // query cache hit on this node: no SQL (the entities come from the second-level cache)
            run = run(node, batch);
            assertThat(run.rows()).containsExactly(first + ":lamp", second + ":desk", third + ":chair");
            assertThat(run.cacheHits()).as("hits on %s", node.name()).isEqualTo(1);
            assertThat(run.cacheMisses()).isZero();
            assertThat(run.sql()).isZero();
        }

        // the changer retires the second item and renames the first, commits and returns
        changer.inTransactionDo(em -> {
            em.find(Item.class, second).setStatus(Item.Status.RETIRED);
            em.find(Item.class, first).setName("desk lamp");
        });

        for (Node node : List.of(other, changer)) {
            // query cache miss on this node (its result predates the change): the database, fresh rows
            Run run = run(node, batch);
            assertThat(run.rows()).as("rows on %s", node.name()).containsExactly(first + ":desk lamp", third + ":chair");
            assertThat(run.cacheHits()).as("hits on %s", node.name()).isZero();
            assertThat(run.cacheMisses()).isEqualTo(1);
            assertThat(run.sql()).isEqualTo(1);
        }
    }

    private static Run run(Node node, String batch) {
        Statistics statistics = node.statistics();
        long hits = statistics.getQueryCacheHitCount();
        long misses = statistics.getQueryCacheMissCount();
        long statements = node.statements();
        EntityManager em = node.emf().createEntityManager();
        List<String> rows;
        try {
            rows = em.createQuery(ACTIVE_ITEMS_OF_BATCH, Item.class)
                    .setParameter("batch", batch + "%")
                    .setParameter("status", Item.Status.ACTIVE)
                    .setHint("org.hibernate.cacheable", true)
                    .getResultList().stream()
                    .map(item -> item.getId() + ":" + item.getName())
                    .toList();
        } finally {
            em.close();
        }
        return new Run(rows, statistics.getQueryCacheHitCount() - hits, statistics.getQueryCacheMissCount() - misses,
                node.statements() - statements);
    }

    /**
     * Waits until a result cached from now on counts as fresh against the table's last change. Hibernate
     * serves a cached result only if the table's timestamp is older than the result's; the tiered cache
     * stamps a change {@code query.clock-skew-allowance} (100 ms by default) ahead of the clock, so a result
     * cached within that time after a change is not served. Waits on the clock, no fixed sleep.
     */
    private static void awaitResultsCacheable(Cluster cluster, String table) {
        String stamp = cluster.redis()
                .<String>getBucket(cluster.keyPrefix() + RegionFactory.DEFAULT_UPDATE_TIMESTAMPS_REGION_UNQUALIFIED_NAME
                        + ":" + table, StringCodec.INSTANCE)
                .get();
        assertThat(stamp).as("the timestamp of table %s in Redis", table).isNotNull();
        long changedAt = Long.parseLong(stamp);
        // Hibernate timestamps are milliseconds shifted left by 12 bits (SimpleTimestamper)
        await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(5))
                .until(() -> (System.currentTimeMillis() << 12) > changedAt);
    }
}
