package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tieredjpa.cache.WriteBehindStore;
import dev.tieredjpa.cache.internal.l2.EntrySnapshot;
import dev.tieredjpa.testsupport.TestDatabases.Kind;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * A flushed write-behind delete evicts its own key, not the entity's whole cache. The flusher deletes with a
 * bulk HQL delete, and Hibernate follows every bulk statement with lockRegion/unlockRegion on the entity's
 * region, which the tiered region answers with {@code clear()}: every node's L1 and every unpinned L2 entry
 * of the entity (tombstones and leases too). The database does not matter here: H2 only. Fails today.
 */
class WriteBehindDeleteFlushTest {

    @Test
    void delete_flushed_otherVisitsStayCachedInL2AndEveryL1() {
        try (WriteBehindCluster cluster = WriteBehindCluster.start(Kind.H2, 2, Map.of())) {
            WriteBehindStore<Visit> a = WriteBehindCluster.visits(cluster.node(0));
            WriteBehindStore<Visit> b = WriteBehindCluster.visits(cluster.node(1));
            a.insert(new Visit("gone", 1, "gone"));
            a.insert(new Visit("kept", 2, "kept"));
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.rows().size() == 2 && a.stats().queueDepth() == 0);
            // L2 hit on B: both nodes' L1 now hold "kept"; L2 holds it, unpinned, with its TTL
            assertThat(b.find("kept")).isPresent();
            assertThat(Rows.peekL1(cluster.node(1), WriteBehindCluster.VISIT_REGION, WriteBehindCluster.keyText("kept"))).isNotNull();
            EntrySnapshot keptBefore = cluster.l2("kept");
            assertThat(keptBefore.hasData()).isTrue();

            assertThat(a.delete("gone")).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.row("gone").isEmpty() && a.stats().queueDepth() == 0);

            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(cluster.l2("kept").hasData()).as("L2 still holds kept: %s", cluster.l2("kept")).isTrue();
            softly.assertThat(Rows.peekL1(cluster.node(0), WriteBehindCluster.VISIT_REGION, WriteBehindCluster.keyText("kept")))
                    .as("A's L1 still holds kept").isNotNull();
            softly.assertThat(Rows.peekL1(cluster.node(1), WriteBehindCluster.VISIT_REGION, WriteBehindCluster.keyText("kept")))
                    .as("B's L1 still holds kept").isNotNull();
            softly.assertAll();
        }
    }
}
