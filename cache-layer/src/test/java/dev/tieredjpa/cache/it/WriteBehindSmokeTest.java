package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.testsupport.TestDatabases;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Write-behind end to end: the write returns before the database has it, every node reads it, the flusher lands it. */
class WriteBehindSmokeTest {

    @Test
    void save_onOneNode_readOnOtherAtOnceAndInDatabaseAfterFlush() throws Exception {
        try (Cluster cluster = Cluster.start(TestDatabases.Kind.H2, 2)) {
            WriteBehindStore<Visit> a = WriteBehindStore.of(cluster.node(0).emf(), Visit.class);
            WriteBehindStore<Visit> b = WriteBehindStore.of(cluster.node(1).emf(), Visit.class);

            Visit visit = a.insert(new Visit("v-1", 1, "first"));
            assertThat(visit.getVersion()).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> row(cluster, "v-1").equals("1@0"));
            // Every node reads the pending state: L2 holds it, pinned, before the database does.
            assertThat(b.find("v-1")).get().returns(1L, Visit::getHits);

            Visit read = b.find("v-1").orElseThrow();
            read.setHits(2);
            assertThat(b.save(read).getVersion()).isEqualTo(1);
            // The writing node reads its own write at once; the other within the L1 propagation window.
            assertThat(b.find("v-1")).get().returns(2L, Visit::getHits).returns(1L, Visit::getVersion);
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.find("v-1").orElseThrow().getVersion() == 1);

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> row(cluster, "v-1").equals("2@1"));

            assertThat(a.delete("v-1")).isTrue();
            assertThat(a.find("v-1")).isEmpty();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.find("v-1").isEmpty());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> row(cluster, "v-1").equals("none"));
            assertThat(a.stats().queueDepth()).isZero();
        }
    }

    private static String row(Cluster cluster, String id) throws Exception {
        try (Connection connection = cluster.dataSource().getConnection();
             var statement = connection.prepareStatement("select hits, version from visits where id = ?")) {
            statement.setString(1, id);
            try (ResultSet rows = statement.executeQuery()) {
                String found = rows.next() ? rows.getLong(1) + "@" + rows.getLong(2) : "none";
                connection.commit();
                return found;
            }
        }
    }
}
