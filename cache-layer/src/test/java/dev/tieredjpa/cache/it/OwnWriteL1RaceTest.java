package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.internal.core.TieredKey;
import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.testsupport.TestDatabases;
import jakarta.persistence.CacheRetrieveMode;
import jakarta.persistence.CacheStoreMode;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.cache.Cache;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Promise 3 ("every node evicts older L1 entries") against one interleaving that {@link TwoNodeStressTest}
 * can only meet by chance: a node's own write stores version 1 in L2, and before it puts version 1 into its
 * own L1, another node writes version 2 and this node applies version 2's invalidation (its L1 holds
 * nothing yet, so nothing is evicted). The late own-write put must not then leave version 1 in L1.
 *
 * <p>The pause between the L2 store and the L1 put is made deterministic by holding node b's L1 entry lock
 * for the key (a JCache {@code invoke} whose processor waits): b's {@code putIfAbsent} of its own write
 * blocks on it, while the invalidation finds no entry and needs no lock. In production the same pause is a
 * preempted thread or a GC pause; {@link TwoNodeStressTest} met it now and then on a loaded 2-core machine
 * ("an older version came back ... committed by node b, whose commit returned +155873 µs from that
 * invalidation").
 *
 * <p>Failed on the tree as of 27 Nov ~17:15 (b kept version 1 in L1 and served it: {@code L1Region.putOwnWrite}
 * checked only the entry in L1 at that moment, and {@code invalidate} did not remember the version it
 * evicted below); passes since {@code L1Region} keeps, per key, the lowest version an invalidation left alive
 * and {@code putOwnWrite} refuses anything older. Kept as the regression test of that fix.
 */
class OwnWriteL1RaceTest {

    private static final String KEY = Item.class.getName() + "#1";

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void afterUpdate_ownL1PutLandsAfterNewerRemoteInvalidation_l1KeepsNoOlderVersion() throws Exception {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2)) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            // The row exists in the database only: no tier holds it.
            try (Connection connection = cluster.dataSource().getConnection();
                 Statement statement = connection.createStatement()) {
                statement.executeUpdate("insert into items (id, code, name, price, status, version)"
                        + " values (1, 'I-1', 'w0', 1.00, 'ACTIVE', 0)");
                if (!connection.getAutoCommit()) {
                    connection.commit();
                }
            }

            // Hold b's L1 lock for the key, as a stalled thread would.
            Cache<Object, Object> bL1 = b.runtime().l1Cache("items");
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> bL1.invoke(TieredKey.ofText(KEY), (entry, args) -> {
                held.countDown();
                await(release);
                return null;
            }));
            assertThat(held.await(5, TimeUnit.SECONDS)).isTrue();

            // b writes version 1 (its read bypasses the cache, so nothing but the write touches b's L1).
            CompletableFuture<Void> bWrite = CompletableFuture.runAsync(() -> b.inTransactionDo(em -> em.find(Item.class, 1L,
                    Map.of("jakarta.persistence.cache.retrieveMode", CacheRetrieveMode.BYPASS,
                            "jakarta.persistence.cache.storeMode", CacheStoreMode.BYPASS)).setName("w1")));
            // L2 has version 1, unlocked: b's write is past its L2 step, stuck before its L1 put
            Awaitility.await("b's write stored version 1 in L2").atMost(Duration.ofSeconds(10)).until(() -> {
                EntrySnapshot l2 = cluster.node(0).runtime().store().inspect("items", KEY);
                return l2.hasData() && l2.version() == 1 && l2.locks().isEmpty();
            });
            assertThat(bWrite).isNotDone();

            // a reads version 1 (L2 hit) and writes version 2; its commit returns.
            a.inTransactionDo(em -> em.find(Item.class, 1L).setName("w2"));
            // b applies version 2's invalidation (its L1 holds nothing to evict)
            Awaitility.await("b applied a's invalidation").atMost(Duration.ofSeconds(10))
                    .until(() -> b.regionStats("items").invalidationsReceived() >= 1);

            // b's stalled own-write put goes ahead; b's commit returns.
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);
            bWrite.get(10, TimeUnit.SECONDS);

            // Both commits returned, version 2 is in the database and in L2, and b applied its invalidation.
            assertThat(cluster.node(0).runtime().store().inspect("items", KEY).version()).isEqualTo(2);
            L1Entry bEntry = b.runtime().regions().get("items").peekL1(KEY);
            // L1 hit on b: must not be the older version (promise 2), nor may b's L1 keep it (promise 3)
            assertThat(b.find(Item.class, 1L).getVersion())
                    .as("version b reads after both commits returned and after it applied version 2's invalidation"
                            + " (b's L1 holds version %s)", bEntry == null ? "none" : bEntry.version())
                    .isEqualTo(2);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
