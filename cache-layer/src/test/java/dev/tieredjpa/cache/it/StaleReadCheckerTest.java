package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.it.StaleReadChecker.Applied;
import dev.tieredjpa.cache.it.StaleReadChecker.L1Observation;
import dev.tieredjpa.cache.it.StaleReadChecker.Read;
import dev.tieredjpa.cache.it.StaleReadChecker.Report;
import dev.tieredjpa.cache.it.StaleReadChecker.Tier;
import dev.tieredjpa.cache.it.StaleReadChecker.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker of {@link TwoNodeStressTest} on hand-made histories: it must pass a correct history and flag
 * each kind of stale read, so that a clean stress run means something. Times are nanoseconds; the L1 bound
 * is 1 ms (1,000,000 ns).
 */
class StaleReadCheckerTest {

    private static final List<String> NODES = List.of("a", "b");
    private static final long MS = 1_000_000;

    private final StaleReadChecker checker = new StaleReadChecker(Duration.ofMillis(1));

    /** Row 1: version 0 (seed) returned at 0, version 1 by a at 100, version 2 by b at 200. */
    private static List<Write> threeVersions() {
        return List.of(
                new Write("a", 1, 0, 0, 0),
                new Write("a", 1, 1, 11, 100),
                new Write("b", 1, 2, 12, 200));
    }

    private static Read read(String node, long start, long version, long writeId, Tier tier) {
        return new Read(node, 1, start, start + 10, version, writeId, tier, false);
    }

    @Test
    void check_readsNeverOlderThanReturnedCommits_isClean() {
        List<Read> reads = List.of(
                read("b", 50, 0, 0, Tier.L1),        // before version 1 returned
                read("b", 100, 0, 0, Tier.L2),       // starts as version 1 returns: not after it
                read("a", 101, 1, 11, Tier.L1),
                read("b", 150, 2, 12, Tier.DB),      // newer than anything returned: a commit in flight
                read("a", 250, 2, 12, Tier.L2));

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violations()).isEmpty();
        assertThat(report.staleReads()).isZero();
        assertThat(report.readsByTier()).containsEntry(Tier.L1, 2L).containsEntry(Tier.L2, 2L).containsEntry(Tier.DB, 1L);
    }

    @Test
    void check_staleReadFromL2_isViolationEvenWhenFresh() {
        List<Read> reads = List.of(read("a", 201, 1, 11, Tier.L2));

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(1);
        assertThat(report.violations().get(0))
                .contains("stale read: version 1 of row 1 on node a (tier L2)")
                .contains("version 2 had returned from its commit before the read started")
                .endsWith("it did not come from L1");
        assertThat(report.staleByTier()).containsEntry(Tier.L2, 1L);
    }

    @Test
    void check_staleReadFromDatabase_isViolation() {
        List<Read> reads = List.of(read("b", 300, 0, 0, Tier.DB));

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(1);
        assertThat(report.violations().get(0)).contains("tier DB").endsWith("it did not come from L1");
    }

    @Test
    void check_staleReadFromL1WithinBound_isAllowedAndItsAgeMeasured() {
        List<Read> reads = List.of(
                read("b", 230, 1, 11, Tier.L1),       // 30 ns after version 2 returned
                read("b", 180, 0, 0, Tier.L1_LATE),   // 80 ns after version 1 returned
                read("b", 205, 1, 11, Tier.L2_OR_L1));

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violations()).isEmpty();
        assertThat(report.staleByTier()).containsEntry(Tier.L1, 1L).containsEntry(Tier.L1_LATE, 1L)
                .containsEntry(Tier.L2_OR_L1, 1L);
        assertThat(report.staleL1AgesNanos()).containsExactly(5, 30, 80);
    }

    @Test
    void check_staleReadFromL1PastBound_isViolation() {
        List<Read> reads = List.of(read("b", 200 + MS + 1, 1, 11, Tier.L1));

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(1);
        assertThat(report.violations().get(0)).contains("tier L1").endsWith("later than the L1 bound of 1 ms");
    }

    @Test
    void check_commitsReturningOutOfOrder_judgesByNewestReturnedVersion() {
        // Version 2 returns at 200, version 1's commit only at 300 (its after-commit work was slow).
        List<Write> writes = List.of(
                new Write("a", 1, 0, 0, 0),
                new Write("a", 1, 1, 11, 300),
                new Write("b", 1, 2, 12, 200));
        List<Read> reads = List.of(
                read("a", 150, 0, 0, Tier.L2),       // nothing newer had returned yet
                read("a", 250, 1, 11, Tier.L2));     // stale: version 2 had returned

        Report report = checker.check(NODES, writes, reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(1);
        assertThat(report.violations().get(0)).contains("version 1 of row 1").contains("version 2 had returned");
    }

    @Test
    void check_readOfStateNoWriteCommitted_isViolation() {
        List<Read> reads = List.of(
                read("a", 250, 2, 99, Tier.L1),      // version 2, but not write 12's state (a rolled-back write)
                read("a", 250, 3, 13, Tier.L1));     // a version nobody committed

        Report report = checker.check(NODES, threeVersions(), reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(2);
        assertThat(report.violations().get(0)).contains("read returned a state no write committed")
                .endsWith("(version 2 was committed by write 12)");
        assertThat(report.violations().get(1)).endsWith("(no committed write has this version)");
    }

    @Test
    void check_twoWritesOfOneVersion_isViolation() {
        List<Write> writes = new ArrayList<>(threeVersions());
        writes.add(new Write("b", 1, 2, 14, 220));

        Report report = checker.check(NODES, writes, List.of(), List.of(), List.of());

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("two writes committed the same version");
    }

    @Test
    void check_staleL1ReadAfterItsNodeAppliedTheNewerInvalidation_isViolation() {
        // b applied version 2's invalidation at 210; a read on b at 230 still gets version 1 from L1.
        List<Applied> applied = List.of(new Applied("b", 1, 1, 105), new Applied("a", 1, 2, 210));
        List<Read> reads = List.of(
                read("a", 205, 1, 11, Tier.L1),       // a had not applied it yet: inside the window
                read("a", 230, 1, 11, Tier.L1));      // a had: version 1 came back into a's L1

        Report report = checker.check(NODES, threeVersions(), reads, applied, List.of());

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("stale read: version 1 of row 1 on node a (tier L1)")
                .contains("node a had applied a newer version's invalidation 0 µs before the read started:"
                        + " an older version came back")
                .endsWith("(version 1 was committed by node a, whose commit returned 0 µs from that invalidation)");
        assertThat(report.appliedNanos()).containsExactly(5, 10);
    }

    @Test
    void check_staleL1ReadOnTheWritersOwnNodeAfterItsCommitReturned_isViolation() {
        // b wrote version 2 (returned at 200): b's L1 must not serve version 1 afterwards.
        List<Read> reads = List.of(read("b", 201, 1, 11, Tier.L1));

        Report report = checker.check(NODES, threeVersions(), reads,
                List.of(new Applied("b", 1, 1, 100), new Applied("a", 1, 2, 200)), List.of());

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .contains("on node b (tier L1)").contains("an older version came back");
    }

    @Test
    void check_updateWhoseInvalidationNeverReachedTheOtherNode_isViolation() {
        // Only version 1's reached b; version 2's (written by b) never reached a.
        Report report = checker.check(NODES, threeVersions(), List.of(), List.of(new Applied("b", 1, 1, 150)), List.of());

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .isEqualTo("the invalidation of Write[node=b, row=1, version=2, writeId=12, commitReturnedNanos=200]"
                        + " never reached node a");
        assertThat(report.appliedNanos()).containsExactly(50);
    }

    @Test
    void check_invalidationAppliedPastBound_isViolation() {
        Report report = checker.check(NODES, threeVersions(), List.of(),
                List.of(new Applied("b", 1, 1, 100 + 3 * MS), new Applied("a", 1, 2, 200)), List.of());

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("node b applied the invalidation of Write[node=a, row=1, version=1")
                .endsWith("only 3000 µs after the commit returned (bound 1 ms)");
    }

    @Test
    void check_l1Observations_measurePropagationWindowOnOtherNodes() {
        // b's L1 holds version 0 until 160 (60 after version 1 returned on a), is empty, then holds 1;
        // a's L1 holds version 1 until 260 (60 after b's version 2 returned), then 2.
        List<L1Observation> seen = List.of(
                new L1Observation("b", 1, 0, 0), new L1Observation("b", 1, 160, -1), new L1Observation("b", 1, 170, 1),
                new L1Observation("b", 1, 200, 2),
                new L1Observation("a", 1, 0, 0), new L1Observation("a", 1, 100, 1), new L1Observation("a", 1, 260, 2));

        Report report = checker.check(NODES, threeVersions(), List.of(), List.of(), seen);

        assertThat(report.violations()).isEmpty();
        // seed (a) on b: 0; version 1 (a) on b: 60; version 2 (b) on a: 60
        assertThat(report.propagationNanos()).containsExactly(0, 60, 60);
    }

    @Test
    void check_l1ThatTakesAnOlderVersionBackAfterPropagating_windowEndsAtTheLastOlderEntry() {
        // b's L1 drops version 0 at 150, but takes it back at 400 until 500.
        List<L1Observation> seen = List.of(
                new L1Observation("b", 1, 0, 0), new L1Observation("b", 1, 150, -1),
                new L1Observation("b", 1, 400, 0), new L1Observation("b", 1, 500, 1));
        List<Write> writes = List.of(new Write("b", 1, 0, 0, 0), new Write("a", 1, 1, 11, 100));

        Report report = checker.check(NODES, writes, List.of(), List.of(), seen);

        assertThat(report.propagationNanos()).containsExactly(400);
    }

    @Test
    void check_l1ThatNeverDropsTheOlderVersion_isViolation() {
        List<L1Observation> seen = List.of(new L1Observation("b", 1, 0, 0), new L1Observation("b", 1, 50, 0));
        List<Write> writes = List.of(new Write("b", 1, 0, 0, 0), new Write("a", 1, 1, 11, 100));

        Report report = checker.check(NODES, writes, List.of(), List.of(), seen);

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("L1 propagation never completed: node b still held a version older than 1 of row 1");
    }

    @Test
    void check_propagationPastBound_isViolation() {
        List<L1Observation> seen = List.of(new L1Observation("b", 1, 0, 0), new L1Observation("b", 1, 100 + 2 * MS, 1));
        List<Write> writes = List.of(new Write("b", 1, 0, 0, 0), new Write("a", 1, 1, 11, 100));

        Report report = checker.check(NODES, writes, List.of(), List.of(), seen);

        assertThat(report.violations()).singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("L1 propagation took 2000 µs (bound 1 ms): node b");
    }

    /**
     * A long, correct, randomly made history of two nodes passes; the same history with one stale read slipped
     * in (served by L2, 1 µs after the newer commit returned) fails on exactly that read.
     */
    @Test
    void check_generatedHistoryWithOneInjectedStaleRead_flagsExactlyThatRead() {
        Random random = new Random(42);
        List<Write> writes = new ArrayList<>();
        List<Read> reads = new ArrayList<>();
        long[] version = new long[6];
        long[] writeId = new long[6];
        long[] returnedAt = new long[6];
        for (int row = 1; row <= 5; row++) {
            writes.add(new Write("a", row, 0, 0, 0));
        }
        long now = 1_000;
        for (int op = 0; op < 20_000; op++) {
            int row = 1 + random.nextInt(5);
            String node = random.nextBoolean() ? "a" : "b";
            now += 1 + random.nextInt(50_000);
            if (random.nextInt(5) == 0) {
                version[row]++;
                writeId[row] = op + 1;
                returnedAt[row] = now;
                writes.add(new Write(node, row, version[row], writeId[row], now));
            } else {
                Tier tier = Tier.values()[random.nextInt(Tier.values().length)];
                reads.add(new Read(node, row, now, now + 5_000, version[row], writeId[row], tier, false));
            }
        }
        assertThat(checker.check(NODES, writes, reads, List.of(), List.of()).violations()).isEmpty();

        // Row 3 is written once more; a read 1 µs after that commit returned gets the old version from L2.
        now += 10_000;
        writes.add(new Write("a", 3, version[3] + 1, 1_000_000, now));
        Read injected = new Read("b", 3, now + 1_000, now + 2_000, version[3], writeId[3], Tier.L2, false);
        reads.add(reads.size() / 2, injected);

        Report report = checker.check(NODES, writes, reads, List.of(), List.of());

        assertThat(report.violationCount()).isEqualTo(1);
        assertThat(report.violations().get(0))
                .contains("stale read: version " + version[3] + " of row 3 on node b (tier L2)")
                .contains("the read began 1 µs after a newer version first returned")
                .endsWith("it did not come from L1");
    }
}
