package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.testsupport.TestDatabases.Kind;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The negative cache ({@code tiered-cache.entity.Item.negative-ttl}): a storm of {@code em.find} for an id the
 * database does not have, on two nodes and many threads at once, costs the database exactly one query
 * (the first reader's, under the key's lease; readers of its JVM share its outcome, readers of the other
 * node wait for it and then read "absent" from L2). An insert of that id ends the "absent" at once on
 * every node: the next find on either node returns the row, without waiting for the negative TTL.
 */
class NegativeCacheTest {

    private static final long MISSING = 4242;
    private static final int THREADS_PER_NODE = 4;
    private static final int FINDS_PER_THREAD = 1_250; // 2 nodes x 4 threads x 1,250 = 10,000
    private static final String ITEMS = "items";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void find_missingId10000TimesOnTwoNodes_asksTheDatabaseOnce_andAnInsertIsSeenAtOnceOnBothNodes(Kind kind) throws Exception {
        try (ReadsCluster cluster = ReadsCluster.start(kind, 2, Map.of("tiered-cache.entity.Item.negative-ttl", "60s"))) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            long selects = cluster.itemSelects();
            long statements = a.statements() + b.statements();

            AtomicLong found = new AtomicLong();
            AtomicLong finds = new AtomicLong();
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2 * THREADS_PER_NODE);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 2 * THREADS_PER_NODE; t++) {
                    Node node = t % 2 == 0 ? a : b;
                    done.add(threads.submit(() -> {
                        go.await();
                        for (int i = 0; i < FINDS_PER_THREAD; i++) {
                            if (node.find(Item.class, MISSING) != null) {
                                found.incrementAndGet();
                            }
                            finds.incrementAndGet();
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> future : done) {
                    future.get(60, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }

            String story = "a: " + a.regionStats(ITEMS) + "; b: " + b.regionStats(ITEMS);
            assertThat(finds).hasValue(10_000);
            assertThat(found).hasValue(0);
            assertThat(cluster.itemSelects() - selects).as("queries of items the database received; " + story).isEqualTo(1);
            assertThat(a.statements() + b.statements() - statements).as("statements both nodes prepared; " + story).isEqualTo(1);
            assertThat(a.regionStats(ITEMS).negativePuts() + b.regionStats(ITEMS).negativePuts()).as(story).isEqualTo(1);
            assertThat(Rows.inspect(a, ITEMS, Rows.itemKey(MISSING)).hasData()).isFalse();

            // The row appears, inserted on A: both nodes see it right after A's commit.
            a.inTransactionDo(em -> em.persist(new Item(MISSING, "I-" + MISSING, "now here", new BigDecimal("4.20"))));
            Item onB = b.find(Item.class, MISSING);
            Item onA = a.find(Item.class, MISSING);
            assertThat(onB).as("B, right after A's commit; " + story).isNotNull().returns("now here", Item::getName);
            assertThat(onA).as("A, right after its commit").isNotNull().returns("now here", Item::getName);
            // From the caches: the database was asked nothing more.
            assertThat(cluster.itemSelects() - selects).isEqualTo(1);
        }
    }
}
