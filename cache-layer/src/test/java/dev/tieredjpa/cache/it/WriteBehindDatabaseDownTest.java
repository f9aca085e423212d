package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.WriteBehindRejectedException;
import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.internal.l1.L1Entry;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.it.WriteBehindCluster.VisitRow;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityTransaction;
import jakarta.persistence.RollbackException;
import java.math.BigDecimal;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.hibernate.exception.JDBCConnectionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promises 5 and 6 with the database away (every node's connections refused, as an unreachable server
 * refuses them): write-behind keeps accepting writes into Redis up to {@code max-queue-length} (50 here),
 * then refuses with {@link WriteBehindRejectedException} and changes nothing; write-through fails with a
 * clear exception and leaves L2 and every L1 exactly as they were. When the database is back the queue
 * drains and every accepted write is in it.
 */
class WriteBehindDatabaseDownTest {

    private static final Logger log = LoggerFactory.getLogger(WriteBehindDatabaseDownTest.class);
    private static final int MAX_QUEUE = 50;
    private static final Map<String, Object> SETTINGS = Map.of("tiered-cache.entity.Visit.max-queue-length", MAX_QUEUE);
    private static final long ITEM = 1;
    private static final String ITEMS = "items";

    @ParameterizedTest
    @EnumSource(Kind.class)
    void write_databaseDown_writeBehindQueuesUpToMaxQueueLengthThenRefuses_writeThroughFailsLeavingCachesUntouched(Kind kind) throws Exception {
        try (WriteBehindCluster cluster = WriteBehindCluster.start(kind, 2, SETTINGS)) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            WriteBehindStore<Visit> visits = WriteBehindCluster.visits(a);
            // A write-through item, cached in L2 and in both L1s.
            a.inTransactionDo(em -> em.persist(new Item(ITEM, "I-1", "before", new BigDecimal("9.90"))));
            assertThat(b.find(Item.class, ITEM).getName()).isEqualTo("before");
            assertThat(a.find(Item.class, ITEM).getName()).isEqualTo("before");
            EntrySnapshot l2Before = a.runtime().store().inspect(ITEMS, Rows.itemKey(ITEM));
            L1Entry l1BeforeA = Rows.peekL1(a, ITEMS, Rows.itemKey(ITEM));
            L1Entry l1BeforeB = Rows.peekL1(b, ITEMS, Rows.itemKey(ITEM));
            assertThat(l2Before.hasData()).isTrue();
            assertThat(l1BeforeA).isNotNull();
            assertThat(l1BeforeB).isNotNull();
            // A write-through transaction that began while the database was there, and will lose it.
            EntityManager inFlight = a.emf().createEntityManager();
            EntityTransaction inFlightTx = inFlight.getTransaction();
            inFlightTx.begin();
            Item changing = inFlight.find(Item.class, ITEM); // L1 hit

            cluster.outage().goDown();

            // Write-behind: accepted (into Redis) up to max-queue-length ...
            for (int i = 0; i < MAX_QUEUE; i++) {
                visits.insert(new Visit("down-" + i, i, "down-" + i));
            }
            assertThat(visits.stats().queueDepth()).isEqualTo(MAX_QUEUE);
            // each pinned in L2, and what the other node reads (L2 hit: the database is away)
            assertThat(cluster.l2("down-49").isPinned()).isTrue();
            assertThat(WriteBehindCluster.visits(b).find("down-49")).get().returns(49L, Visit::getHits);
            // ... then refused, changing nothing
            assertThatThrownBy(() -> visits.insert(new Visit("down-refused", 0, "down-refused")))
                    .isInstanceOf(WriteBehindRejectedException.class)
                    .hasMessage("The write-behind queue of Visit holds 50 records (tiered-cache.entity.Visit.max-queue-length): "
                            + "the database is behind; try again shortly")
                    .satisfies(e -> assertThat(((WriteBehindRejectedException) e).retryAfter()).isEqualTo(Duration.ofMillis(400)));
            assertThat(cluster.l2("down-refused").exists()).as("L2 entry of the refused write").isFalse();
            assertThat(visits.stats().queueDepth()).isEqualTo(MAX_QUEUE);
            // A save of an accepted, still pending visit is refused the same way, and leaves its pending state.
            Visit pending = visits.find("down-0").orElseThrow();
            pending.setHits(100);
            assertThatThrownBy(() -> visits.save(pending)).isInstanceOf(WriteBehindRejectedException.class);
            assertThat(pending.getVersion()).as("version of the refused save's entity, restored").isZero();
            assertThat(cluster.l2("down-0").pendingVersion()).isZero();

            // Write-through, begun while the database is down: fails, saying the database cannot be reached.
            assertThatThrownBy(() -> a.inTransactionDo(em -> em.find(Item.class, ITEM).setName("during")))
                    .isInstanceOf(JDBCConnectionException.class)
                    .hasMessageContaining("Unable to acquire JDBC Connection")
                    .hasRootCauseInstanceOf(SQLTransientConnectionException.class);
            // Write-through, begun before: its commit fails the same way, and it is rolled back.
            changing.setName("during");
            assertThatThrownBy(inFlightTx::commit)
                    .isInstanceOf(RollbackException.class)
                    .hasMessageStartingWith("Error while committing the transaction [Could not prepare statement "
                            + "[Database unreachable (test outage): cannot prepareStatement] [update items set name=?")
                    .hasRootCauseInstanceOf(SQLTransientConnectionException.class)
                    .hasRootCauseMessage("Database unreachable (test outage): cannot prepareStatement");
            assertThat(inFlightTx.isActive()).isFalse();
            inFlight.close();

            // Every cache as it was: L2 the same entry (no lock left, no tombstone), A's L1 the very same entry.
            // B dropped its copy when the in-flight write took its lock (the LOCKED message) and reads L2 again.
            EntrySnapshot l2After = a.runtime().store().inspect(ITEMS, Rows.itemKey(ITEM));
            assertThat(l2After.version()).isEqualTo(l2Before.version());
            assertThat(l2After.data()).isEqualTo(l2Before.data());
            assertThat(l2After.locks()).as("L2 locks left: %s", l2After).isEmpty();
            assertThat(l2After.tombstoneVersion()).isEqualTo(l2Before.tombstoneVersion());
            assertThat(Rows.peekL1(a, ITEMS, Rows.itemKey(ITEM))).as("A's L1 entry").isSameAs(l1BeforeA);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(Rows.peekL1(b, ITEMS, Rows.itemKey(ITEM))).as("B's L1 entry").isNull());
            // an L1 hit on A, an L2 hit on B: the name from before
            assertThat(a.find(Item.class, ITEM).getName()).isEqualTo("before");
            assertThat(b.find(Item.class, ITEM).getName()).isEqualTo("before");

            // The database is back: the queue drains, and every accepted write is in it.
            cluster.outage().comeBack();
            long back = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> visits.stats().queueDepth() == 0);
            long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
            Map<String, VisitRow> expected = new TreeMap<>();
            for (int i = 0; i < MAX_QUEUE; i++) {
                expected.put("down-" + i, new VisitRow("down-" + i, i, "down-" + i, 0));
            }
            assertThat(cluster.rows()).isEqualTo(expected);
            assertThat(visits.stats().deadLetters()).isZero();
            // and write-through works again
            a.inTransactionDo(em -> em.find(Item.class, ITEM).setName("after"));
            assertThat(Rows.item(cluster.dataSource(), ITEM)).contains(new Rows.ItemRow("after", 1));
            log.info("{}: {} write-behind writes accepted while the database was down ({} connection attempts and statements "
                    + "refused); drained {} ms after it came back", kind, MAX_QUEUE, cluster.outage().refused(), drainMillis);
        }
    }
}
