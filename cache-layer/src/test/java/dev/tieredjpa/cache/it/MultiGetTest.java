package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.TieredEntities;
import dev.tieredjpa.cache.internal.core.RegionStats;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongPredicate;
import java.util.stream.LongStream;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link TieredEntities#findAll}: a multi-get of 1,000 items, of which 500 are in this node's L1, 250 in L2
 * only (another node loaded them) and 250 in the database only, makes a fixed number of round trips:
 * <ul>
 *   <li>Redis: exactly 2 calls on the {@code items} region: one {@code getAll} for the 500 L1 misses
 *       (answering the 250 L2 values and granting leases for the rest), and one {@code putAllFromLoad}
 *       filling L2 with the 250 values the database answered;</li>
 *   <li>the database: {@code ceil(250 / 100) = 3} queries for the 250 rows only it has;</li>
 * </ul>
 * and answers the entities in the caller's order, a repeated id repeated and ids no one has left out.
 */
class MultiGetTest {

    private static final int ROWS = 1_000;
    private static final int CHUNK = 100;
    private static final long UNKNOWN = 99_999;
    private static final String ITEMS = "items";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void findAll_500InL1_250InL2_250InDatabase_makesOneL2ReadOneL2FillAndThreeQueries_inTheCallersOrder(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of())) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            MultiGet run = multiGet(cluster, false);

            assertThat(run.found()).extracting(Item::getId).containsExactlyElementsOf(run.expected());
            assertThat(run.found()).allSatisfy(item -> assertThat(item.getName()).isEqualTo("item-" + item.getId()));
            // Redis: 1 getAll (the 500 L1 misses) + 1 putAllFromLoad (the 250 database values).
            assertThat(run.l2Calls()).as("Redis calls of A's items region; " + run.story()).isEqualTo(2);
            assertThat(run.otherNodeL2Calls()).isZero();
            // The database: the 250 ids no tier had, 100 per query.
            assertThat(run.selects()).as("item queries the database received").isEqualTo(3);
            assertThat(run.queries()).isEqualTo(3);
            assertThat(run.statements()).isEqualTo(3);
            // Both tiers filled: A's L1 has all 1,000 now, and L2 the 250 the database answered.
            assertWhere(a, id -> true, id -> true);

            // Again, on A: every one an L1 hit; no Redis call, no query.
            RegionStats stats = a.regionStats(ITEMS);
            long l2Calls = stats.l2Calls();
            long selects = cluster.itemSelects();
            try (EntityManager em = a.emf().createEntityManager()) {
                assertThat(TieredEntities.findAll(em, Item.class, run.expected(), CHUNK)).extracting(Item::getId)
                        .containsExactlyElementsOf(run.expected());
            }
            assertThat(stats.l2Calls() - l2Calls).isZero();
            assertThat(cluster.itemSelects() - selects).isZero();

            // On B, the 250 A loaded: one Redis call (all L2 hits), no query.
            long otherNodeCalls = b.regionStats(ITEMS).l2Calls();
            List<Long> loadedByA = LongStream.rangeClosed(751, ROWS).boxed().toList();
            try (EntityManager em = b.emf().createEntityManager()) {
                assertThat(TieredEntities.findAll(em, Item.class, loadedByA, CHUNK)).extracting(Item::getId)
                        .containsExactlyElementsOf(loadedByA);
            }
            assertThat(b.regionStats(ITEMS).l2Calls() - otherNodeCalls).isEqualTo(1);
            assertThat(cluster.itemSelects() - selects).isZero();

            // Ids no one has, among cached ones: left out, asked of the database in one query.
            List<Long> withUnknown = List.of(3L, UNKNOWN, 600L, UNKNOWN + 1, 900L, 3L, UNKNOWN + 2);
            try (EntityManager em = a.emf().createEntityManager()) {
                assertThat(TieredEntities.findAll(em, Item.class, withUnknown, CHUNK)).extracting(Item::getId)
                        .containsExactly(3L, 600L, 900L, 3L);
            }
            assertThat(cluster.itemSelects() - selects).isEqualTo(1);
        }
    }

    /**
     * The same multi-get with an id no one has among the 1,000: still one Redis read and one Redis write.
     * Fails if the ids the database lacks are recorded (a lease release, or a negative entry) in round
     * trips of their own rather than in the fill's batch.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void findAll_withAnIdNoOneHas_stillMakesOneL2ReadAndOneL2Write(Kind kind) {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of())) {
            MultiGet run = multiGet(cluster, true);

            assertThat(run.found()).extracting(Item::getId).containsExactlyElementsOf(run.expected());
            assertThat(run.selects()).isEqualTo(3); // ceil(251 / 100)
            assertThat(run.l2Calls()).as("Redis calls of A's items region; " + run.story()).isEqualTo(2);
        }
    }

    /** What one multi-get on node A found, and the round trips it made (deltas). */
    record MultiGet(List<Item> found, List<Long> expected, long l2Calls, long otherNodeL2Calls, long selects, long queries,
                    long statements, String story) {
    }

    /**
     * Inserts 1,000 items; node A reads 1..500 (its L1, and L2), node B 501..750 (L2, not A's L1); 751..1000
     * only the database has. Then A finds all 1,000, shuffled, one of them twice, and with {@code withUnknown}
     * also an id no one has, in chunks of 100.
     */
    private static MultiGet multiGet(ReadsCluster cluster, boolean withUnknown) {
        Node a = cluster.node(0); // this node
        Node b = cluster.node(1); // the other node
        Rows.insertItems(cluster.dataSource(), ROWS);
        for (long id = 1; id <= 500; id++) {
            assertThat(a.find(Item.class, id)).isNotNull();
        }
        for (long id = 501; id <= 750; id++) {
            assertThat(b.find(Item.class, id)).isNotNull();
        }
        assertWhere(a, id -> id <= 500, id -> id <= 750);

        List<Long> ids = new ArrayList<>(LongStream.rangeClosed(1, ROWS).boxed().toList());
        Collections.shuffle(ids, new Random(42));
        ids.add(500, ids.get(10)); // a repeated id
        if (withUnknown) {
            ids.add(250, UNKNOWN);
        }
        List<Long> expected = ids.stream().filter(id -> id != UNKNOWN).toList();

        RegionStats stats = a.regionStats(ITEMS);
        long l2Calls = stats.l2Calls();
        long otherNodeCalls = b.regionStats(ITEMS).l2Calls();
        Statistics statistics = a.statistics();
        long queries = statistics.getQueryExecutionCount();
        long statements = statistics.getPrepareStatementCount();
        long selects = cluster.itemSelects();
        List<Item> found;
        try (EntityManager em = a.emf().createEntityManager()) {
            found = TieredEntities.findAll(em, Item.class, ids, CHUNK);
        }
        return new MultiGet(found, expected, stats.l2Calls() - l2Calls, b.regionStats(ITEMS).l2Calls() - otherNodeCalls,
                cluster.itemSelects() - selects, statistics.getQueryExecutionCount() - queries,
                statistics.getPrepareStatementCount() - statements, "A's items region: " + stats);
    }

    /** Checks which ids A's L1 and L2 hold. */
    private static void assertWhere(Node a, LongPredicate inL1, LongPredicate inL2) {
        List<Long> wrongL1 = new ArrayList<>();
        List<Long> wrongL2 = new ArrayList<>();
        for (long id = 1; id <= ROWS; id++) {
            if ((Rows.peekL1(a, ITEMS, Rows.itemKey(id)) != null) != inL1.test(id)) {
                wrongL1.add(id);
            }
            if (Rows.inspect(a, ITEMS, Rows.itemKey(id)).hasData() != inL2.test(id)) {
                wrongL2.add(id);
            }
        }
        assertThat(wrongL1).as("ids A's L1 holds, or lacks, wrongly").isEmpty();
        assertThat(wrongL2).as("ids L2 holds, or lacks, wrongly").isEmpty();
    }
}
