package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.TieredCacheSettings;
import dev.tieredjpa.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A node's JVM killed with SIGKILL in the middle of a write-through transaction, while two other nodes
 * hold the item in L1 and L2:
 * <ul>
 *   <li>{@code before-commit}: the update's SQL was sent, not committed. The database rolls it back; the
 *       dead node's L2 lock stays until {@code lock-ttl}.</li>
 *   <li>{@code committed}: the database has the update, but the node died before Hibernate's
 *       after-completion: no L2 put, no unlock, no invalidation after the commit. Only what happened at the
 *       lock can keep the other nodes from serving the old value.</li>
 * </ul>
 * Either way: no node ever serves a version older than the database's from then on (sampled from the
 * kill until the lock has expired), and once quiet every node serves exactly the database's.
 */
class JvmKilledMidTransactionTest {

    private static final Duration LOCK_TTL = Duration.ofSeconds(3);

    @ParameterizedTest
    @ValueSource(strings = {"before-commit", "committed"})
    void writerKilled_noNodeServesAnOlderVersionThanTheDatabase_cachesEqualItOnceTheLockExpires(String killedAt)
            throws Exception {
        Map<String, Object> settings = new HashMap<>(RedisOutageTest.SETTINGS);
        settings.put(TieredCacheSettings.LOCK_TTL, LOCK_TTL.toSeconds() + "s");
        try (WriteBehindCluster cluster = WriteBehindCluster.start(TestDatabases.Kind.H2, 2, settings);
             SharedDatabase shared = SharedDatabase.of(cluster)) {
            Node a = cluster.node(0);
            Node b = cluster.node(1);
            RedisOutageTest.insertItems(a, 1);
            for (Node node : List.of(a, b)) {
                assertThat(node.find(Item.class, 1L).getVersion()).isZero();
                assertThat(Rows.peekL1(node, "items", Rows.itemKey(1))).as("item 1 in %s's L1", node.name()).isNotNull();
            }

            Map<String, String> arguments = shared.childArguments("doomed");
            arguments.put("slow-table", "items");
            arguments.put("update-item", "1");
            arguments.put("pause-ms", "20000");
            arguments.put("lock-ttl", LOCK_TTL.toSeconds() + "s");
            try (NodeProcess doomed = NodeProcess.start("doomed", arguments, shared.password())) {
                doomed.await(killedAt + " 1", Duration.ofSeconds(60));
                doomed.kill();
            }
            long database = databaseVersion(cluster);
            assertThat(database).as("the database's version of item 1 after the kill")
                    .isEqualTo(killedAt.equals("committed") ? 1L : 0L);

            // From the kill until well past the dead node's lock: every read on every node, against the database.
            List<String> older = new ArrayList<>();
            long reads = 0;
            long until = System.nanoTime() + LOCK_TTL.plusSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                for (Node node : List.of(a, b)) {
                    long version = node.find(Item.class, 1L).getVersion();
                    reads++;
                    if (version < database) {
                        older.add(node.name() + " read v" + version);
                    }
                }
                Thread.sleep(20);
            }
            System.out.printf("KILLED-%s database v%d; %d reads after the kill, %d older than the database%n",
                    killedAt, database, reads, older.size());
            assertThat(older).as("reads older than the database (of %d)", reads).isEmpty();
            for (Node node : List.of(a, b)) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                        assertThat(node.find(Item.class, 1L).getVersion()).as("item 1 on %s", node.name()).isEqualTo(database));
            }
            // L2 is filled again, at the database's version, once the dead node's lock has expired.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                a.find(Item.class, 1L);
                var entry = a.runtime().store().inspect("items", Rows.itemKey(1));
                assertThat(entry.hasData() ? entry.version() : null).as("L2's item 1: %s", entry).isEqualTo(database);
            });
        }
    }

    private static long databaseVersion(WriteBehindCluster cluster) throws Exception {
        try (Connection connection = cluster.dataSource().getConnection();
             ResultSet rows = connection.createStatement().executeQuery("select version from items where id = 1")) {
            rows.next();
            long version = rows.getLong(1);
            connection.commit();
            return version;
        }
    }
}
