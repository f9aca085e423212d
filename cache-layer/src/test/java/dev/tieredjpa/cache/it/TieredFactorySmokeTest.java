package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.testsupport.TestDatabases;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tiered factory end to end on two nodes: each tier serves what the story says it serves. */
class TieredFactorySmokeTest {

    private static Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = Cluster.start(TestDatabases.Kind.H2, 2);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void find_afterWriteOnOtherNode_servesNewVersionFromL2ThenL1() {
        Node a = cluster.node(0);
        Node b = cluster.node(1);
        a.inTransactionDo(em -> em.persist(new Item(1, "I-1", "lamp", new BigDecimal("9.90"))));

        // L2 hit on b: a's insert stored the entry after commit
        long statementsBefore = b.statements();
        assertThat(b.find(Item.class, 1L).getName()).isEqualTo("lamp");
        assertThat(b.statements()).isEqualTo(statementsBefore);
        assertThat(b.regionStats("items").l2Hits()).isEqualTo(1);

        // L1 hit on b
        assertThat(b.find(Item.class, 1L).getName()).isEqualTo("lamp");
        assertThat(b.regionStats("items").l1Hits()).isEqualTo(1);

        a.inTransactionDo(em -> em.find(Item.class, 1L).setName("desk lamp"));

        // b hears a's change and drops its L1 copy; the new version comes from L2
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> b.regionStats("items").invalidationsReceived() >= 1);
        Item seen = b.find(Item.class, 1L);
        assertThat(seen.getName()).isEqualTo("desk lamp");
        assertThat(seen.getVersion()).isEqualTo(1);
        assertThat(b.statements()).isEqualTo(statementsBefore);
    }
}
