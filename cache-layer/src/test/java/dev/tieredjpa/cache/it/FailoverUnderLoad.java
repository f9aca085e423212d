package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A Redis master killed under load, and the check every failover test ends with: readers and
 * version-checked writers on every node ({@link OutageWorkload}) while {@code kill} runs; then no caller
 * saw an exception, no read was torn, writes committed across the failover, every committed write is in
 * the database, and once quiet every node serves exactly what the database holds.
 */
final class FailoverUnderLoad {

    private static final Duration WITHIN = Duration.ofSeconds(30);

    private FailoverUnderLoad() {
    }

    /**
     * @param label    names the printed figures
     * @param kill     kills the master
     * @param promoted true once the topology has a new master serving every slot
     */
    static void run(String label, Cluster cluster, Runnable kill, Callable<Boolean> promoted) throws Exception {
        long writesBefore;
        long writesDuring;
        OutageWorkload workload = new OutageWorkload(cluster.nodes(), RedisOutageTest.ITEMS, 2, 1);
        try {
            workload.start();
            Thread.sleep(1_000);
            writesBefore = workload.writes.get();
            kill.run();
            await().atMost(WITHIN).until(promoted);
            await().atMost(WITHIN).until(() -> cluster.nodes().stream().allMatch(n -> n.runtime().breaker().allowsCalls()));
            writesDuring = workload.writes.get() - writesBefore;
            Thread.sleep(1_500);
        } finally {
            workload.close();
        }

        Map<Long, Long> db = RedisOutageTest.databaseVersions(cluster);
        for (long id = 1; id <= RedisOutageTest.ITEMS; id++) {
            assertThat(db.get(id)).as("item %d: the database holds its last committed write", id)
                    .isGreaterThanOrEqualTo(workload.committedVersion(id));
        }
        System.out.printf("%s writes before the kill %d, from the kill to both nodes on the new master %d, in all %d; "
                        + "reads %d; optimistic conflicts %d%n  stats a=%s%n  stats b=%s%n",
                label, writesBefore, writesDuring, workload.writes.get(), workload.reads.get(),
                workload.optimisticConflicts.get(), cluster.node(0).regionStats("items"), cluster.node(1).regionStats("items"));
        assertThat(workload.failures).as("exceptions (other than optimistic conflicts) callers saw").isEmpty();
        assertThat(workload.inconsistentReads.get()).isZero();
        assertThat(writesDuring).as("writes committed across the failover").isPositive();
        await().atMost(WITHIN).until(() -> cluster.nodes().stream().allMatch(n -> n.runtime().pending().isEmpty()));
        assertThat(RedisOutageTest.staleness(cluster, db)).as("items a node serves older than the database, once quiet")
                .isEmpty();
    }
}
