package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.cache.it.WriteBehindCluster.VisitRow;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Promises 2 and 5 for write-behind: the writer reads its write at once, every other node within the L1
 * propagation window, before the database has it and after. Until it is flushed the entry is pinned — no
 * TTL, so it outlives its L2 TTL (1 s here) and stays what every node reads, even a node that never read it;
 * once flushed, the pin goes and the TTL applies again.
 */
class WriteBehindReadYourWritesTest {

    private static final Logger log = LoggerFactory.getLogger(WriteBehindReadYourWritesTest.class);
    private static final Duration L2_TTL = Duration.ofSeconds(1);
    private static final Duration PROPAGATION = Duration.ofSeconds(2);
    /** The flusher backs off up to 5 s while the database is away. */
    private static final Duration FLUSH_AFTER_OUTAGE = Duration.ofSeconds(10);
    private static final Map<String, Object> SETTINGS = Map.of("tiered-cache.entity.Visit.l2-ttl", "1s");

    @ParameterizedTest
    @EnumSource(Kind.class)
    void save_readOnEveryNodeBeforeAndAfterFlush_pinnedPastItsL2TtlUntilFlushed(Kind kind) throws Exception {
        try (WriteBehindCluster cluster = WriteBehindCluster.start(kind, 3, SETTINGS)) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            WriteBehindStore<Visit> b = WriteBehindCluster.visits(cluster.node(1));
            // c never reads the visit until its L2 TTL is long past: it can only get it from L2 (or the database).
            WriteBehindStore<Visit> c = WriteBehindCluster.visits(cluster.node(2));
            Visit visit = a.insert(new Visit("ryw", 0, "ryw"));
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.row("ryw").isPresent());
            // B: L2 hit, and now its L1 holds version 0
            assertThat(b.find("ryw")).get().returns(0L, Visit::getVersion);

            // The database goes away: the flusher cannot write, so the next write stays pending.
            cluster.outage().goDown();
            visit.setHits(1);
            a.save(visit);
            // the writer: its own write at once (L1)
            assertThat(a.find("ryw")).get().returns(1L, Visit::getHits).returns(1L, Visit::getVersion);
            // the other node: within the propagation window (its L1 copy of version 0 is evicted; L2 hit)
            Duration propagatedPending = untilVersion(b, "ryw", 1);
            // L2: pinned, no TTL
            EntrySnapshot pinned = cluster.l2("ryw");
            assertThat(pinned.isPinned()).as("L2 %s", pinned).isTrue();
            assertThat(pinned.pendingVersion()).isEqualTo(1);
            assertThat(pinned.pttlMillis()).as("PTTL of the pinned entry (-1: none)").isEqualTo(-1);

            // Past its L2 TTL, still pinned, still in L2, the whole time.
            await().during(L2_TTL.plusMillis(500)).atMost(L2_TTL.plusSeconds(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.l2("ryw").isPinned() && cluster.l2("ryw").version() == 1);
            // Every node reads the pending write: A and B (L1), C (L2 hit: it never held it), while the DB has version 0.
            for (WriteBehindStore<Visit> node : List.of(a, b, c)) {
                assertThat(node.find("ryw")).get().returns(1L, Visit::getHits).returns(1L, Visit::getVersion);
            }
            assertThat(cluster.row("ryw")).contains(new VisitRow("ryw", 0, "ryw", 0));
            assertThat(cluster.outage().refused()).as("flush attempts the database refused").isPositive();
            assertThat(a.stats().queueDepth()).isEqualTo(1);

            // The database is back: the write is flushed, the pin goes, the L2 TTL applies.
            cluster.outage().comeBack();
            long back = System.nanoTime();
            await().atMost(FLUSH_AFTER_OUTAGE).pollInterval(Duration.ofMillis(20))
                    .until(() -> cluster.row("ryw").equals(Optional.of(new VisitRow("ryw", 1, "ryw", 1))));
            long flushMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
            await().atMost(Duration.ofSeconds(2)).until(() -> !cluster.l2("ryw").isPinned());
            EntrySnapshot flushed = cluster.l2("ryw");
            assertThat(flushed.pttlMillis()).as("PTTL once flushed: %s", flushed).isBetween(1L, L2_TTL.toMillis());
            for (WriteBehindStore<Visit> node : List.of(a, b, c)) {
                assertThat(node.find("ryw")).get().returns(1L, Visit::getVersion);
            }
            await().atMost(L2_TTL.plusSeconds(2)).until(() -> !cluster.l2("ryw").exists());

            // After the flush, with the database up: A writes again; A at once, B within the window, and B never
            // reads an older version once it has seen the new one, while the flusher lands it.
            visit.setHits(2);
            a.save(visit);
            assertThat(a.find("ryw")).get().returns(2L, Visit::getVersion);
            Duration propagatedAfter = untilVersion(b, "ryw", 2);
            // B reads on, from before the flush until 300 ms after the row has version 2 (at most 5 s).
            List<Long> seenByB = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            long end = deadline;
            boolean landed = false;
            while (System.nanoTime() < end) {
                seenByB.add(b.find("ryw").orElseThrow().getVersion());
                if (!landed && cluster.row("ryw").map(r -> r.version() == 2).orElse(false)) {
                    landed = true;
                    end = Math.min(deadline, System.nanoTime() + 300_000_000L);
                }
            }
            assertThat(cluster.row("ryw")).contains(new VisitRow("ryw", 2, "ryw", 2));
            assertThat(seenByB).as("versions B read while the flusher landed version 2").containsOnly(2L);
            for (WriteBehindStore<Visit> node : List.of(a, b, c)) {
                assertThat(node.find("ryw")).get().returns(2L, Visit::getVersion);
            }
            log.info("{}: pending write seen by the other node after {} ms; flushed {} ms after the database came back; "
                            + "a flushed-path write seen by the other node after {} ms ({} reads while it landed)",
                    kind, propagatedPending.toMillis(), flushMillis, propagatedAfter.toMillis(), seenByB.size());
        }
    }

    /** How long until {@code node} reads {@code version} (bounded by the L1 propagation window). */
    private static Duration untilVersion(WriteBehindStore<Visit> node, String id, long version) {
        long start = System.nanoTime();
        await().atMost(PROPAGATION).pollInterval(Duration.ofMillis(1))
                .until(() -> node.find(id).map(Visit::getVersion).orElse(-1L) == version);
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
