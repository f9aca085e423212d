package dev.tieredjpa.cache.it;

import static dev.tieredjpa.cache.it.Rows.inspect;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.TieredCache;
import dev.tieredjpa.cache.TieredEntities;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Warm-up ({@link TieredEntities#warm}, {@link TieredEntities#warmTop}) and refresh-ahead of hot entities
 * ({@link TieredEntities#refreshAhead}), on two nodes sharing one Redis and one database; database reads
 * counted at the JDBC boundary.
 */
class WarmUpAndRefreshAheadTest {

    private static final String ITEMS = "items";

    /** Fails if warm-up misses a batch, loads a key twice, or leaves a tier unfilled. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void warm_300ItemsInBatchesOf100_reportsEachBatch_thenTheOtherNodeReadsAllFromL2(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of())) {
            Rows.insertItems(cluster.dataSource(), 300);
            List<Long> ids = LongStream.rangeClosed(1, 300).boxed().toList();
            List<TieredCache.WarmProgress> progress = new ArrayList<>();
            long selects = cluster.itemSelects();

            TieredCache.WarmProgress done = TieredEntities.warm(cluster.node(0).emf(), Item.class, ids, 100, progress::add);

            assertThat(progress).containsExactly(new TieredCache.WarmProgress(100, 300, 100),
                    new TieredCache.WarmProgress(200, 300, 200), new TieredCache.WarmProgress(300, 300, 300));
            assertThat(done).isEqualTo(progress.get(2));
            assertThat(cluster.itemSelects() - selects).as("one query per batch").isEqualTo(3);

            // Warming again loads nothing; the other node reads every item from L2 in one round trip.
            TieredEntities.warm(cluster.node(0).emf(), Item.class, ids, 100, p -> { });
            long l2Calls = cluster.node(1).regionStats(ITEMS).l2Calls();
            try (EntityManager em = cluster.node(1).emf().createEntityManager()) {
                assertThat(TieredEntities.findAll(em, Item.class, ids, 100)).hasSize(300);
            }
            assertThat(cluster.itemSelects() - selects).isEqualTo(3);
            assertThat(cluster.node(1).regionStats(ITEMS).l2Calls() - l2Calls).isEqualTo(1);
        }
    }

    /**
     * Two nodes warming the same ids at once race for each key; the loser of a key's race finds the winner's
     * copy of the same version in L2. Fails if the loser leaves the key out of its L1 (it would pay an L2
     * round trip for it later), or if anything was loaded more than once per node.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void warm_onTwoNodesAtOnce_eachNodeHoldsEveryKeyInL1(Kind kind) throws Exception {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of())) {
            Rows.insertItems(cluster.dataSource(), 300);
            List<Long> ids = LongStream.rangeClosed(1, 300).boxed().toList();
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.CompletableFuture<TieredCache.WarmProgress>> warming = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                var emf = cluster.node(n).emf();
                warming.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return TieredEntities.warm(emf, Item.class, ids, 20, p -> { });
                }));
            }
            start.countDown();
            warming.forEach(java.util.concurrent.CompletableFuture::join);

            for (int n = 0; n < 2; n++) {
                var region = cluster.node(n).runtime().regions().get(ITEMS);
                assertThat(ids).as("ids missing from node %d's L1", n)
                        .allSatisfy(id -> assertThat(region.peekL1(Rows.itemKey(id))).isNotNull());
            }
            assertThat(cluster.itemSelects()).as("item queries, at most one per batch per node").isLessThanOrEqualTo(30);
        }
    }

    /** Fails if warmTop warms other ids than the query's first {@code limit}. */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void warmTop_theQuerysFirst50Ids_areCachedAndNoOthers(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 1, Map.of())) {
            Rows.insertItems(cluster.dataSource(), 120);
            TieredCache.WarmProgress done = TieredEntities.warmTop(cluster.node(0).emf(), Item.class,
                    "select i.id from Item i order by i.id desc", 50, 20, p -> { });
            assertThat(done).isEqualTo(new TieredCache.WarmProgress(50, 50, 50));
            assertThat(inspect(cluster.node(0), ITEMS, Rows.itemKey(71)).hasData()).isTrue();
            assertThat(inspect(cluster.node(0), ITEMS, Rows.itemKey(120)).hasData()).isTrue();
            assertThat(inspect(cluster.node(0), ITEMS, Rows.itemKey(70)).exists()).isFalse();
        }
    }

    /**
     * Both nodes keep item 1 refreshed ahead (L2 TTL 2 s, window 1 s) for 4.5 s. Fails if the key ever
     * leaves L2 (a reader would miss), or if both nodes reload it in the same period (more loads than
     * periods), or if nobody reloads it.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void refreshAhead_onTwoNodes_keepsAHotItemInL2_reloadedByOneNodeAtATime(Kind kind) throws Exception {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of("tiered-cache.entity.Item.l2-ttl", "2s"))) {
            Rows.insertItems(cluster.dataSource(), 1);
            String key = Rows.itemKey(1);
            try (EntityManager em = cluster.node(0).emf().createEntityManager()) {
                assertThat(em.find(Item.class, 1L)).isNotNull();
            }
            long selects = cluster.itemSelects();
            List<ScheduledFuture<?>> tasks = List.of(
                    TieredEntities.refreshAhead(cluster.node(0).emf(), Item.class, List.of(1L), Duration.ofSeconds(1)),
                    TieredEntities.refreshAhead(cluster.node(1).emf(), Item.class, List.of(1L), Duration.ofSeconds(1)));
            List<String> gaps = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofMillis(4_500).toNanos();
            try {
                while (System.nanoTime() < end) {
                    EntrySnapshot l2 = inspect(cluster.node(1), ITEMS, key);
                    if (!l2.hasData()) {
                        gaps.add(l2.toString());
                    }
                    Thread.sleep(25);
                }
            } finally {
                tasks.forEach(t -> t.cancel(false));
            }
            long loads = cluster.itemSelects() - selects;
            assertThat(gaps).as("moments L2 lacked the hot item").isEmpty();
            // A 2 s TTL refreshed with 1 s left: one reload per second or so, whichever node got the lease.
            assertThat(loads).as("reloads in 4.5 s, both nodes together").isBetween(2L, 5L);
        }
    }
}
