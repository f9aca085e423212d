package dev.tieredjpa.cache.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tieredjpa.testsupport.TestDatabases;
import dev.tieredjpa.testsupport.TestRedis;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * Two services share one Redis, each with its own key prefix and its own database, holding the same ids
 * with different data. Neither reads the other's entries, hears the other's invalidations, or waits for
 * the other's confirmations; every key each writes starts with its own prefix.
 */
class KeyPrefixIsolationTest {

    @Test
    void twoServicesOnOneRedis_sameIds_neitherSeesTheOthersDataNorMessages() {
        try (Cluster orders = Cluster.start(TestDatabases.Kind.H2, 2, TestRedis.endpoint().url(), Map.of());
             Cluster billing = Cluster.start(TestDatabases.Kind.H2, 1, TestRedis.endpoint().url(), Map.of())) {
            assertThat(orders.keyPrefix()).isNotEqualTo(billing.keyPrefix());
            Rows.insertItems(orders.dataSource(), 3);
            Rows.insertItems(billing.dataSource(), 3);
            billing.node(0).inTransactionDo(em -> em.find(Item.class, 1L).setName("billing's own"));

            // Both fill L2 for id 1 under their own prefix; each reads its own row.
            assertThat(orders.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(billing.node(0).find(Item.class, 1L).getName()).isEqualTo("billing's own");
            // orders' second node reads from L2: orders' value, not billing's
            assertThat(orders.node(1).find(Item.class, 1L).getName()).isEqualTo("item-1");
            assertThat(orders.node(1).regionStats("items").l2Hits()).isEqualTo(1);

            // A write in billing is not heard by orders, and costs billing no wait for orders' nodes.
            billing.node(0).inTransactionDo(em -> em.find(Item.class, 1L).setName("billing again"));
            assertThat(billing.node(0).regionStats("items").invalidationAckTimeouts()).isZero();
            assertThat(orders.node(0).regionStats("items").invalidationsReceived()).isZero();
            assertThat(orders.node(0).find(Item.class, 1L).getName()).isEqualTo("item-1");

            RedissonClient redis = orders.redis();
            // Each service's entry for id 1 is a key of its own, under its own prefix.
            assertThat(redis.getKeys().getKeysByPattern(orders.keyPrefix() + "*items*1*")).hasSize(1);
            assertThat(redis.getKeys().getKeysByPattern(billing.keyPrefix() + "*items*1*")).hasSize(1);
        }
    }
}
